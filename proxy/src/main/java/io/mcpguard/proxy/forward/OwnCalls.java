package io.mcpguard.proxy.forward;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.ssl.SslContext;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Requests the proxy sends to the guarded server on its own account (the era bridge's {@code initialize} and the
 * {@code DELETE} that ends its session): one connection each, the whole answer read up to a bound, nothing relayed to
 * a client. Rare, so a connection of their own keeps them out of the relay's pools. Never blocks: the connection lives
 * on the event loop it is given.
 */
public final class OwnCalls {
    /** What the server answered. */
    public record Answer(int status, io.netty.handler.codec.http.HttpHeaders headers, byte[] body) {}

    private final InetSocketAddress address;
    private final String host;
    private final int port;
    private final SslContext tls;
    private final int connectMillis;
    private final long answerMillis;
    private final int maxBytes;

    OwnCalls(
            InetSocketAddress address,
            String host,
            int port,
            SslContext tls,
            int connectMillis,
            long answerMillis,
            int maxBytes) {
        this.address = address;
        this.host = host;
        this.port = port;
        this.tls = tls;
        this.connectMillis = connectMillis;
        this.answerMillis = answerMillis;
        this.maxBytes = maxBytes;
    }

    /** Sends {@code request} (ownership passes here) and completes with the answer, or fails with why not. */
    CompletableFuture<Answer> send(EventLoop loop, FullHttpRequest request) {
        CompletableFuture<Answer> answer = new CompletableFuture<>();
        new Bootstrap()
                .group(loop)
                .channel(NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        if (tls != null) {
                            ch.pipeline().addLast(tls.newHandler(ch.alloc(), host, port));
                        }
                        ch.pipeline()
                                .addLast(new HttpClientCodec())
                                .addLast(new HttpObjectAggregator(maxBytes))
                                .addLast(new AnswerHandler(answer));
                    }
                })
                .connect(address)
                .addListener((ChannelFutureListener) connected -> {
                    if (!connected.isSuccess()) {
                        request.release();
                        answer.completeExceptionally(new IllegalStateException("MCP server is unreachable"));
                        return;
                    }
                    Channel channel = connected.channel();
                    ScheduledFuture<?> timer = loop.schedule(
                            () -> {
                                answer.completeExceptionally(
                                        new IllegalStateException("MCP server did not answer in time"));
                                channel.close();
                            },
                            answerMillis,
                            TimeUnit.MILLISECONDS);
                    answer.whenComplete((done, failed) -> {
                        timer.cancel(false);
                        channel.close();
                    });
                    channel.writeAndFlush(request).addListener(written -> {
                        if (!written.isSuccess()) {
                            answer.completeExceptionally(
                                    new IllegalStateException("cannot send the request to the MCP server"));
                        }
                    });
                });
        return answer;
    }

    /** Completes the call with the one aggregated answer; anything else (too long, closed early) fails it. */
    private static final class AnswerHandler extends SimpleChannelInboundHandler<FullHttpResponse> {
        private final CompletableFuture<Answer> answer;

        AnswerHandler(CompletableFuture<Answer> answer) {
            this.answer = answer;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpResponse response) {
            answer.complete(new Answer(
                    response.status().code(), response.headers().copy(), ByteBufUtil.getBytes(response.content())));
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            // An answer over the bound arrives here too (TooLongHttpContentException); its text stays in the log.
            answer.completeExceptionally(new IllegalStateException("MCP server's answer could not be read", cause));
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            answer.completeExceptionally(new IllegalStateException("MCP server closed the connection"));
            ctx.fireChannelInactive();
        }
    }
}
