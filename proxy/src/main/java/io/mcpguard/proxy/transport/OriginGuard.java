package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.exchange.ExchangeLog;
import io.mcpguard.proxy.exchange.Outcome;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.jsonrpc.ErrorCode;
import io.mcpguard.proxy.jsonrpc.Refusal;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses requests whose {@code Host} or {@code Origin} is not allowed, with 403, before the body is read — the
 * MCP Streamable HTTP transport's defence against DNS rebinding (a web page on another site reaching a server
 * that trusts its network position). A request without {@code Origin} (no browser involved) is not refused for
 * that. The rest of a refused request is discarded and the connection closed.
 */
final class OriginGuard extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(OriginGuard.class);

    private final List<String> allowedHosts;
    private final List<String> allowedOrigins;
    private final HttpAnswers answers;
    private boolean discarding;

    OriginGuard(ProxyConfig.Listen listen, HttpAnswers answers) {
        this.allowedHosts = lower(listen.allowedHosts());
        this.allowedOrigins = lower(listen.allowedOrigins());
        this.answers = answers;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        // A request the codec could not read (headers too large, malformed) is the endpoint's to answer (431/400).
        if (msg instanceof HttpRequest request && request.decoderResult().isSuccess() && !isProbe(request)) {
            String refusal = refusal(request);
            if (refusal != null) {
                discarding = true;
                log.atWarn().addKeyValue("reason", refusal).log("request refused: DNS-rebinding defence");
                ExchangeLog.of(ctx.channel())
                        .refused(
                                Outcome.ORIGIN_REFUSED,
                                ErrorCode.ORIGIN_NOT_ALLOWED.httpStatus().code(),
                                ErrorCode.ORIGIN_NOT_ALLOWED,
                                "Host or Origin is not on the allow-list");
                answers.reject(ctx, new Refusal(null, ErrorCode.ORIGIN_NOT_ALLOWED, refusal, null), false)
                        .addListener(ChannelFutureListener.CLOSE);
            } else {
                discarding = false;
            }
        } else if (msg instanceof HttpRequest) {
            discarding = false;
        }
        if (discarding && (msg instanceof HttpRequest || msg instanceof HttpContent)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /**
     * The liveness and readiness probes reveal nothing and the kubelet sends them with the pod's address as Host:
     * they are not refused for it.
     */
    private static boolean isProbe(HttpRequest request) {
        String uri = request.uri();
        return io.netty.handler.codec.http.HttpMethod.GET.equals(request.method())
                && (uri.equals("/healthz") || uri.equals("/readyz"));
    }

    private String refusal(HttpRequest request) {
        String host = request.headers().get(HttpHeaderNames.HOST);
        if (host == null || !hostAllowed(host.toLowerCase(Locale.ROOT))) {
            return "Host " + quoted(host) + " is not allowed";
        }
        String origin = request.headers().get(HttpHeaderNames.ORIGIN);
        if (origin != null && !originAllowed(origin.toLowerCase(Locale.ROOT))) {
            return "Origin " + quoted(origin) + " is not allowed";
        }
        return null;
    }

    private boolean hostAllowed(String host) {
        String name = stripPort(host);
        for (String allowed : allowedHosts) {
            if (allowed.equals("*") || allowed.equals(host) || allowed.equals(name)) {
                return true;
            }
        }
        return false;
    }

    private boolean originAllowed(String origin) {
        for (String allowed : allowedOrigins) {
            if (allowed.equals("*") || allowed.equals(origin)) {
                return true;
            }
            if (allowed.endsWith(":*")) {
                String base = allowed.substring(0, allowed.length() - 2);
                if (origin.equals(base)
                        || (origin.startsWith(base + ":") && isPort(origin.substring(base.length() + 1)))) {
                    return true;
                }
            }
        }
        return false;
    }

    /** {@code host:port} → {@code host}; {@code [::1]:8443} → {@code [::1]}. */
    private static String stripPort(String host) {
        int colon = host.lastIndexOf(':');
        int bracket = host.lastIndexOf(']');
        return colon > bracket && isPort(host.substring(colon + 1)) ? host.substring(0, colon) : host;
    }

    private static boolean isPort(String text) {
        return !text.isEmpty() && text.length() <= 5 && text.chars().allMatch(Character::isDigit);
    }

    private static String quoted(String value) {
        if (value == null) {
            return "(missing)";
        }
        String shown = value.length() > 100 ? value.substring(0, 100) + "…" : value;
        return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
    }

    private static List<String> lower(List<String> values) {
        return values.stream().map(v -> v.toLowerCase(Locale.ROOT)).toList();
    }
}
