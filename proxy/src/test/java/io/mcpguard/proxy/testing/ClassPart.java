package io.mcpguard.proxy.testing;

import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One more real part (a collector, an issuer, the sandbox core, a log capture) started before a test class and
 * closed after it, as an extension, so a {@link ProxyStack} registered with a higher {@code @Order} can read its
 * address when it starts — and stops before it, since extensions stop in reverse order.
 *
 * <pre>{@code
 * @RegisterExtension @Order(1) static final ClassPart<Issuer> issuer = ClassPart.of(Issuer::new);
 * @RegisterExtension @Order(2) static final ProxyStack stack = ProxyStack.builder()
 *         .settings(() -> Map.of("auth.issuer", issuer.get().url())).build();
 * }</pre>
 */
public final class ClassPart<T extends AutoCloseable> implements BeforeAllCallback, AfterAllCallback {
    private final Callable<T> start;
    private final Consumer<T> beforeClose;
    private T part;

    private ClassPart(Callable<T> start, Consumer<T> beforeClose) {
        this.start = Objects.requireNonNull(start, "start");
        this.beforeClose = Objects.requireNonNull(beforeClose, "beforeClose");
    }

    public static <T extends AutoCloseable> ClassPart<T> of(Callable<T> start) {
        return new ClassPart<>(start, part -> {});
    }

    /** @param beforeClose what to check of the part after the parts started later stopped, before it closes */
    public static <T extends AutoCloseable> ClassPart<T> of(Callable<T> start, Consumer<T> beforeClose) {
        return new ClassPart<>(start, beforeClose);
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        part = start.call();
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (part == null) {
            return;
        }
        try {
            beforeClose.accept(part);
        } finally {
            part.close();
        }
    }

    /** The started part; only while the class runs. */
    public T get() {
        if (part == null) {
            throw new IllegalStateException("the part is not started");
        }
        return part;
    }
}
