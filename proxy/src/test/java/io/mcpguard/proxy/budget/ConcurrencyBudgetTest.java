package io.mcpguard.proxy.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import org.junit.jupiter.api.Test;

class ConcurrencyBudgetTest {
    private final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    private final BudgetRefusals refusals = new BudgetRefusals(
            SdkMeterProvider.builder().registerMetricReader(metrics).build().get("test"));

    @Test
    void each_key_holds_its_own_share_and_a_refusal_is_counted_by_budget() {
        ConcurrencyBudget streams = new ConcurrencyBudget(Budget.STREAMS, 2, refusals);

        ConcurrencyBudget.Permit first = streams.tryAcquire("alice");
        ConcurrencyBudget.Permit second = streams.tryAcquire("alice");
        ConcurrencyBudget.Permit third = streams.tryAcquire("alice");
        ConcurrencyBudget.Permit bobs = streams.tryAcquire("bob");

        assertThat(first).isNotNull();
        assertThat(second).isNotNull();
        assertThat(third).as("alice's third").isNull();
        assertThat(bobs).as("alice holding hers leaves bob his").isNotNull();
        assertThat(metrics.collectAllMetrics()).singleElement().satisfies(metric -> {
            assertThat(metric.getName()).isEqualTo("mcp.proxy.budget.refusals");
            assertThat(metric.getLongSumData().getPoints()).singleElement().satisfies(point -> {
                assertThat(point.getValue()).isEqualTo(1);
                assertThat(point.getAttributes().asMap().values()).containsExactly("streams");
            });
        });
    }

    @Test
    void a_permit_gives_back_once_however_often_it_is_released_and_idle_keys_are_forgotten() {
        ConcurrencyBudget inFlight = new ConcurrencyBudget(Budget.IN_FLIGHT, 1, refusals);
        ConcurrencyBudget.Permit permit = inFlight.tryAcquire("alice");

        permit.release();
        permit.release();
        ConcurrencyBudget.Permit again = inFlight.tryAcquire("alice");

        assertThat(again).isNotNull();
        assertThat(inFlight.tryAcquire("alice"))
                .as("a double release must not free a second slot")
                .isNull();
        again.release();
        assertThat(inFlight.held("alice")).isZero();
    }

    @Test
    void a_budget_of_nothing_is_a_configuration_error() {
        assertThatThrownBy(() -> new ConcurrencyBudget(Budget.DECISIONS, 0, refusals))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
