package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** An idle event closes the connection; other events pass on. */
class IdleConnectionCloserTest {
    private final List<Object> passed = new ArrayList<>();
    private final EmbeddedChannel channel =
            new EmbeddedChannel(IdleConnectionCloser.INSTANCE, new ChannelInboundHandlerAdapter() {
                @Override
                public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
                    passed.add(evt);
                }
            });

    @Test
    void an_idle_connection_is_closed() {
        channel.pipeline().fireUserEventTriggered(IdleStateEvent.ALL_IDLE_STATE_EVENT);

        assertThat(channel.isOpen()).isFalse();
        assertThat(passed).isEmpty();
    }

    @Test
    void another_event_passes_and_the_connection_stays() {
        channel.pipeline().fireUserEventTriggered("other");

        assertThat(channel.isOpen()).isTrue();
        assertThat(passed).containsExactly("other");
    }
}
