package io.mcpguard.proxy.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.mcpguard.proxy.budget.Budget;
import io.mcpguard.proxy.budget.BudgetRefusals;
import io.mcpguard.proxy.budget.ConcurrencyBudget;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.opentelemetry.api.OpenTelemetry;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The global and per-address connection limits: which connections are closed on arrival, and when slots return. */
class ConnectionLimiterTest {
    private final ConcurrencyBudget perAddress = new ConcurrencyBudget(
            Budget.CONNECTIONS_PER_ADDRESS,
            2,
            new BudgetRefusals(OpenTelemetry.noop().getMeter("test")));
    private final List<EmbeddedChannel> channels = new ArrayList<>();
    private final List<SocketAddress> activated = new ArrayList<>();
    private final List<SocketAddress> inactivated = new ArrayList<>();

    @AfterEach
    void close() {
        channels.forEach(EmbeddedChannel::finishAndReleaseAll);
    }

    /** A connection from {@code address} through {@code limiter}; the stage behind records what reaches it. */
    private EmbeddedChannel connect(ConnectionLimiter limiter, SocketAddress address) {
        EmbeddedChannel channel =
                new EmbeddedChannel(limiter, new ChannelInboundHandlerAdapter() {
                    @Override
                    public void channelActive(ChannelHandlerContext ctx) {
                        activated.add(ctx.channel().remoteAddress());
                    }

                    @Override
                    public void channelInactive(ChannelHandlerContext ctx) {
                        inactivated.add(ctx.channel().remoteAddress());
                    }
                }) {
                    @Override
                    protected SocketAddress remoteAddress0() {
                        return address;
                    }
                };
        channels.add(channel);
        return channel;
    }

    private static InetSocketAddress peer(String ip) {
        return new InetSocketAddress(ip, 40_000);
    }

    @Test
    void connections_beyond_the_global_limit_are_closed_and_slots_return_when_connections_close() {
        ConnectionLimiter limiter = new ConnectionLimiter(2, perAddress);

        EmbeddedChannel first = connect(limiter, peer("10.0.0.1"));
        EmbeddedChannel second = connect(limiter, peer("10.0.0.2"));
        EmbeddedChannel third = connect(limiter, peer("10.0.0.3"));

        assertThat(first.isOpen()).isTrue();
        assertThat(second.isOpen()).isTrue();
        assertThat(third.isOpen()).isFalse();
        assertThat(activated).containsExactly(peer("10.0.0.1"), peer("10.0.0.2"));

        first.close();
        EmbeddedChannel fourth = connect(limiter, peer("10.0.0.4"));
        assertThat(fourth.isOpen())
                .as("the closed connection's and the refused one's slots are free")
                .isTrue();
        assertThat(connect(limiter, peer("10.0.0.5")).isOpen()).isFalse();
    }

    @Test
    void one_address_gets_at_most_its_share_and_gets_a_slot_back_when_one_of_its_connections_closes() {
        ConnectionLimiter limiter = new ConnectionLimiter(100, perAddress);

        EmbeddedChannel first = connect(limiter, peer("10.0.0.1"));
        connect(limiter, peer("10.0.0.1"));
        EmbeddedChannel refused = connect(limiter, peer("10.0.0.1"));
        EmbeddedChannel other = connect(limiter, peer("10.0.0.2"));

        assertThat(refused.isOpen()).isFalse();
        assertThat(other.isOpen()).isTrue();
        assertThat(perAddress.held("10.0.0.1")).isEqualTo(2);

        refused.close();
        assertThat(perAddress.held("10.0.0.1"))
                .as("a refused connection held no slot")
                .isEqualTo(2);
        first.close();
        assertThat(perAddress.held("10.0.0.1")).isEqualTo(1);
        assertThat(inactivated).contains(peer("10.0.0.1"));
        assertThat(connect(limiter, peer("10.0.0.1")).isOpen()).isTrue();
    }

    @Test
    void an_address_that_is_not_an_ip_is_counted_by_its_text() {
        ConnectionLimiter limiter = new ConnectionLimiter(100, perAddress);
        InetSocketAddress unresolved = InetSocketAddress.createUnresolved("proxy.example", 1);

        connect(limiter, unresolved);
        connect(limiter, unresolved);

        assertThat(perAddress.held(unresolved.toString())).isEqualTo(2);
        assertThat(connect(limiter, unresolved).isOpen()).isFalse();
        assertThat(connect(limiter, peer("10.0.0.1")).isOpen()).isTrue();
    }
}
