package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records each policy input and the decision it got, one JSON line each, for {@code mcpguard replay}: what a policy
 * change would have decided on real traffic. Tool arguments are recorded as the setting says (masked, or hashed but
 * for what permissions depend on), never as sent. Wraps the engine outside the decision cache, so a cached decision
 * is recorded too.
 *
 * <p>Never slows or fails a decision: lines go through a bounded queue to a writer thread (a full queue drops the
 * line and counts it), and a day's file stops growing at its bound with one WARN. Days older than {@code
 * policy.record.max-age} are deleted ({@link RecordingSegments}).
 */
public final class RecordingPolicyEngine implements PolicyEngine {
    private static final Logger log = LoggerFactory.getLogger(RecordingPolicyEngine.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int QUEUE = 10_000;

    private final PolicyEngine delegate;
    private final Function<JsonNode, JsonNode> arguments;
    private final Path file;
    private final long maxBytes;
    private final RecordingSegments segments;
    private final Clock clock;
    private final BlockingQueue<byte[]> lines = new ArrayBlockingQueue<>(QUEUE);
    private final AtomicLong dropped = new AtomicLong();
    private final Thread writer;
    private volatile boolean closed;

    /**
     * @param arguments what is recorded of a tool call's arguments, from the arguments as sent
     */
    public RecordingPolicyEngine(
            PolicyEngine delegate, Path file, long maxBytes, Function<JsonNode, JsonNode> arguments) {
        this(delegate, file, maxBytes, Duration.ofDays(30), Clock.systemUTC(), arguments);
    }

    /**
     * @param maxAge how long a day's recording is kept after the day ended
     * @param clock when lines are recorded, which day they belong to and what has expired
     */
    public RecordingPolicyEngine(
            PolicyEngine delegate,
            Path file,
            long maxBytes,
            Duration maxAge,
            Clock clock,
            Function<JsonNode, JsonNode> arguments) {
        this.delegate = delegate;
        this.file = file;
        this.maxBytes = maxBytes;
        this.segments = new RecordingSegments(file, maxAge, clock);
        this.clock = clock;
        this.arguments = arguments;
        this.writer = new Thread(this::write, "policy-recorder");
        writer.setDaemon(true);
        writer.start();
    }

    @Override
    public CompletableFuture<Decision> decide(PolicyInput input) {
        return delegate.decide(input).whenComplete((decision, failure) -> {
            if (decision != null && decision.result() != null) {
                record(input, decision);
            }
        });
    }

    private void record(PolicyInput input, Decision decision) {
        ObjectNode line = JsonNodeFactory.instance.objectNode();
        line.put("recorded_at_ms", clock.millis());
        ObjectNode recorded = input.toJson();
        if (recorded.get("request") instanceof ObjectNode request
                && request.get("arguments") instanceof ObjectNode sent) {
            request.set("arguments", arguments.apply(sent));
        }
        line.set("input", recorded);
        line.set("decision", decision.result());
        line.put("decision_id", decision.decisionId());
        line.put("policy_revision", decision.revision());
        try {
            byte[] bytes = JSON.writeValueAsBytes(line);
            if (!lines.offer(bytes)) {
                dropped.incrementAndGet();
            }
        } catch (IOException e) {
            dropped.incrementAndGet();
        }
    }

    private void write() {
        boolean full = false;
        try (RecordingSegments files = segments) {
            files.current(); // rotates and sweeps at start, before any line
            while (!closed || !lines.isEmpty()) {
                byte[] line = lines.poll(200, TimeUnit.MILLISECONDS);
                if (line == null) {
                    files.flush();
                    continue;
                }
                long before = files.size();
                OutputStream out = files.current();
                if (files.size() < before) {
                    full = false; // a new day, a new file
                }
                if (files.size() + line.length + 1 > maxBytes) {
                    if (!full) {
                        full = true;
                        log.atWarn()
                                .addKeyValue("event.name", "policy.recording_full")
                                .addKeyValue("file", file)
                                .addKeyValue("max_bytes", maxBytes)
                                .log("policy recording reached policy.record.max-bytes; later decisions of the"
                                        + " day are not recorded");
                    }
                    dropped.incrementAndGet();
                    continue;
                }
                out.write(line);
                out.write('\n');
                files.wrote(line.length + 1);
            }
        } catch (IOException e) {
            log.atWarn()
                    .addKeyValue("file", file)
                    .setCause(e)
                    .log("policy recording stopped: the file cannot be written");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Decisions not recorded (queue full, file at its bound, or not writable). */
    public long dropped() {
        return dropped.get();
    }

    @Override
    public void close() {
        closed = true;
        try {
            writer.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        delegate.close();
    }

    /** {@code hashed}: each string replaced by its SHA-256, except the members permissions depend on. */
    public static JsonNode hashed(JsonNode arguments) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        arguments.properties().forEach(field -> out.set(field.getKey(), hashedValue(field.getKey(), field.getValue())));
        return out;
    }

    private static JsonNode hashedValue(String name, JsonNode value) {
        if (value.isTextual()) {
            return name.equals("workspace") || name.equals("repo")
                    ? value
                    : JsonNodeFactory.instance.textNode(sha256(value.asText()));
        }
        if (value.isObject()) {
            return hashed(value);
        }
        if (value.isArray()) {
            var array = JsonNodeFactory.instance.arrayNode();
            value.forEach(element -> array.add(hashedValue("", element)));
            return array;
        }
        return value;
    }

    private static String sha256(String text) {
        try {
            byte[] digest =
                    java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
