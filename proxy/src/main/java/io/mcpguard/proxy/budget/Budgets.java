package io.mcpguard.proxy.budget;

import io.mcpguard.proxy.config.ProxyConfig;
import io.opentelemetry.api.metrics.Meter;

/**
 * The proxy's concurrency budgets ({@code budgets.*}), one per thing a subject or an address can hold.
 *
 * @param connectionsPerAddress open connections per client address, taken before anything else is read
 * @param inFlight requests per subject served at once
 * @param streams the server's event streams per subject
 * @param decisions bodies per subject being decided at once
 */
public record Budgets(
        ConcurrencyBudget connectionsPerAddress,
        ConcurrencyBudget inFlight,
        ConcurrencyBudget streams,
        ConcurrencyBudget decisions) {

    public static Budgets of(ProxyConfig.Budgets config, Meter meter) {
        BudgetRefusals refusals = new BudgetRefusals(meter);
        return new Budgets(
                new ConcurrencyBudget(Budget.CONNECTIONS_PER_ADDRESS, config.connectionsPerAddress(), refusals),
                new ConcurrencyBudget(Budget.IN_FLIGHT, config.inFlight(), refusals),
                new ConcurrencyBudget(Budget.STREAMS, config.streams(), refusals),
                new ConcurrencyBudget(Budget.DECISIONS, config.decisions(), refusals));
    }
}
