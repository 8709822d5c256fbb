package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.budget.ConcurrencyBudget;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Closes connections accepted beyond {@code limits.max-connections}, so a flood cannot exhaust file handles, and
 * beyond {@code budgets.per-address.connections} for one client address, so one host cannot take every slot before
 * anything is known of who it is. Refusals are counted ({@code mcp.proxy.budget.refusals}); a flood is not logged
 * line by line.
 */
@ChannelHandler.Sharable
final class ConnectionLimiter extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimiter.class);
    private static final AttributeKey<ConcurrencyBudget.Permit> ADDRESS_PERMIT =
            AttributeKey.valueOf("mcpguard.address-permit");

    private final int maxConnections;
    private final ConcurrencyBudget perAddress;
    private final AtomicInteger open = new AtomicInteger();

    ConnectionLimiter(int maxConnections, ConcurrencyBudget perAddress) {
        this.maxConnections = maxConnections;
        this.perAddress = perAddress;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (open.incrementAndGet() > maxConnections) {
            log.atWarn().addKeyValue("limit", maxConnections).log("connection limit reached; closing new connection");
            ctx.close();
            return;
        }
        ConcurrencyBudget.Permit permit = perAddress.tryAcquire(addressOf(ctx));
        if (permit == null) {
            log.atDebug()
                    .addKeyValue("limit", perAddress.perKey())
                    .log("connection limit of the client address reached; closing new connection");
            ctx.close();
            return;
        }
        ctx.channel().attr(ADDRESS_PERMIT).set(permit);
        ctx.fireChannelActive();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        open.decrementAndGet();
        ConcurrencyBudget.Permit permit = ctx.channel().attr(ADDRESS_PERMIT).getAndSet(null);
        if (permit != null) {
            permit.release();
        }
        ctx.fireChannelInactive();
    }

    private static String addressOf(ChannelHandlerContext ctx) {
        return ctx.channel().remoteAddress() instanceof InetSocketAddress address && address.getAddress() != null
                ? address.getAddress().getHostAddress()
                : String.valueOf(ctx.channel().remoteAddress());
    }
}
