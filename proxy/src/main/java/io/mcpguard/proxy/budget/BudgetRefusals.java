package io.mcpguard.proxy.budget;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import java.util.EnumMap;
import java.util.Map;

/** Counts refusals by budget ({@code mcp.proxy.budget.refusals}, attribute {@code mcp.proxy.budget}). */
public final class BudgetRefusals {
    private static final AttributeKey<String> BUDGET = AttributeKey.stringKey("mcp.proxy.budget");

    private final LongCounter counter;
    private final Map<Budget, Attributes> attributes = new EnumMap<>(Budget.class);

    public BudgetRefusals(Meter meter) {
        this.counter = meter.counterBuilder("mcp.proxy.budget.refusals")
                .setUnit("{request}")
                .setDescription("Requests and connections refused because their subject or address held its budget")
                .build();
        for (Budget budget : Budget.values()) {
            attributes.put(budget, Attributes.of(BUDGET, budget.wireName()));
        }
    }

    void refused(Budget budget) {
        counter.add(1, attributes.get(budget));
    }
}
