package io.mcpguard.proxy.testing;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.LoggerFactory;

/**
 * Keeps every log event of the proxy's loggers ({@code io.mcpguard}, or any other logger and its descendants) as the
 * text a log reader could see.
 */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {
    public record Line(String level, String logger, String text) {}

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private final Logger target;

    public LogCapture() {
        this("io.mcpguard");
    }

    /** @param loggerName the logger whose events (its own and its descendants') are kept; {@code ROOT} for all */
    public LogCapture(String loggerName) {
        target = (Logger) LoggerFactory.getLogger(loggerName);
        setName("capture");
        setContext(target.getLoggerContext());
        start();
        target.addAppender(this);
    }

    @Override
    protected void append(ILoggingEvent event) {
        StringBuilder text = new StringBuilder(event.getFormattedMessage());
        if (event.getKeyValuePairs() != null) {
            event.getKeyValuePairs()
                    .forEach(kv -> text.append(' ').append(kv.key).append('=').append(kv.value));
        }
        for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
            text.append(" | ").append(t.getClassName()).append(": ").append(t.getMessage());
        }
        lines.add(new Line(event.getLevel().toString(), event.getLoggerName(), text.toString()));
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    @Override
    public void close() {
        target.detachAppender(this);
        stop();
    }
}
