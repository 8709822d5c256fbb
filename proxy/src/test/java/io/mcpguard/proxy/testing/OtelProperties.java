package io.mcpguard.proxy.testing;

import java.util.Map;
import java.util.concurrent.Callable;

/**
 * The standard OpenTelemetry settings ({@code OTEL_*}, here in their {@code otel.*} system-property form) for a proxy
 * a test builds: the SDK reads them when the audit trail starts, so they are set around the construction only and
 * cleared after, leaving other tests' proxies untouched.
 */
public final class OtelProperties {
    /** Spans leave the batch processor every 100 ms and metrics are exported every 300 ms: tests need not wait. */
    public static final Map<String, String> QUICK_EXPORT =
            Map.of("otel.bsp.schedule.delay", "100", "otel.metric.export.interval", "300");

    private OtelProperties() {}

    /** What {@code build} returns, built with {@code properties} set. */
    public static <T> T during(Map<String, String> properties, Callable<T> build) throws Exception {
        properties.forEach(System::setProperty);
        try {
            return build.call();
        } finally {
            properties.keySet().forEach(System::clearProperty);
        }
    }
}
