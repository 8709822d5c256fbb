package io.mcpguard.proxy.testing;

import io.mcpguard.proxy.policy.SubjectResolver;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The three real parts most end-to-end tests need — a real OPA with the repository's policies, an MCP server behind
 * the proxy, and the proxy in front — started once per test class and stopped after it; a recording upstream is
 * cleared before each test, and OPA started again if a test stopped it.
 *
 * <pre>{@code @RegisterExtension static final ProxyStack stack = ProxyStack.with(Map.of("limits.max-body-bytes", "64KiB"));}</pre>
 *
 * <p>What varies between test classes is declared through {@link #builder()}: the settings, the subject, the
 * policies, the kind of upstream, OpenTelemetry properties, more YAML. A value another part supplies (the collector's
 * endpoint, an issuer's URL, the sandbox core's URL) is given as a {@link Supplier}, read when the stack starts: the
 * part that supplies it is a {@link ClassPart} (or another extension) registered with a lower {@code @Order}.
 */
public final class ProxyStack implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback {
    private final Builder declared;
    private Path scratch;
    private OpaProcess opa;
    private RecordingUpstream recording;
    private ScriptedUpstream scripted;
    private ProxyHarness proxy;

    private ProxyStack(Builder declared) {
        this.declared = declared;
    }

    /** @param settings proxy settings by dotted key, on top of the harness defaults */
    public static ProxyStack with(Map<String, String> settings) {
        return builder().settings(settings).build();
    }

    /** @param keepAlive how often the upstream pings open streams */
    public static ProxyStack with(Map<String, String> settings, Duration keepAlive) {
        return builder().settings(settings).recordingUpstream(true, keepAlive).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        scratch = Files.createTempDirectory("proxy-stack-");
        opa = declared.policies.start(scratch.resolve("policies"));
        String upstreamUrl = switch (declared.upstream) {
            case RECORDING -> {
                recording = new RecordingUpstream(declared.recordingKept, declared.keepAlive);
                yield recording.url();
            }
            case SCRIPTED -> {
                scripted = new ScriptedUpstream();
                yield scripted.url();
            }
            case SUPPLIED -> Objects.requireNonNull(declared.upstreamUrl.get(), "the supplied upstream URL");
        };
        Map<String, String> settings = new HashMap<>(declared.settings.get());
        if (declared.subjectHashKey != null) {
            Path key = scratch.resolve("subject-hash.key");
            Files.writeString(key, declared.subjectHashKey + "\n");
            settings.put("audit.subject-hash-key-file", key.toString());
        }
        proxy = OtelProperties.during(
                declared.otel.get(),
                () -> new ProxyHarness(upstreamUrl, opa.url(), settings, declared.yaml, declared.subjects));
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        opa.start(); // a test may have stopped it
        if (recording != null) {
            recording.resetStreamGate();
            recording.clear();
        }
        if (scripted != null) {
            scripted.clear();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        if (proxy != null) proxy.close();
        if (recording != null) recording.close();
        if (scripted != null) scripted.close();
        if (opa != null) opa.close();
        if (scratch != null) {
            try (var files = Files.walk(scratch)) {
                for (Path file : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                    Files.delete(file);
                }
            }
        }
    }

    public OpaProcess opa() {
        return opa;
    }

    /** The recording upstream; only for a stack declared with one (the default). */
    public RecordingUpstream upstream() {
        if (recording == null) {
            throw new IllegalStateException("this stack has no recording upstream");
        }
        return recording;
    }

    /** The scripted upstream; only for a stack declared with {@link Builder#scriptedUpstream()}. */
    public ScriptedUpstream scripted() {
        if (scripted == null) {
            throw new IllegalStateException("this stack has no scripted upstream");
        }
        return scripted;
    }

    public ProxyHarness proxy() {
        return proxy;
    }

    /** Which policies the stack's OPA loads, and how. */
    @FunctionalInterface
    public interface Policies {
        /** @param scratch a fresh directory, removed after the class, for a copy of the policies */
        OpaProcess start(Path scratch);

        /** The repository's {@code policies/}, as they are. */
        static Policies repo() {
            return scratch -> OpaProcess.startWithRepoPolicies();
        }

        /** A copy of the repository's policies ({@link OpaProcess#copyRepoPolicies}): the files a bundle holds. */
        static Policies copyOfRepo() {
            return scratch -> {
                OpaProcess.copyRepoPolicies(scratch);
                OpaProcess opa = new OpaProcess(scratch);
                opa.start();
                return opa;
            };
        }

        /** A copy of the repository's policies with {@code role}'s read quota set ({@link OpaProcess#setReadQuota}). */
        static Policies withReadQuota(String role, long limit, Long windowMillis) {
            return scratch -> {
                OpaProcess.copyRepoPolicies(scratch);
                OpaProcess.setReadQuota(scratch, role, limit, windowMillis);
                OpaProcess opa = new OpaProcess(scratch);
                opa.start();
                return opa;
            };
        }

        /** A copy of the repository's policies with the example prompt and resource allowances. */
        static Policies withExampleExposure() {
            return scratch -> {
                OpaProcess.copyRepoPolicies(scratch);
                OpaProcess.useExampleExposure(scratch);
                OpaProcess opa = new OpaProcess(scratch);
                opa.start();
                return opa;
            };
        }

        /** Another policy directory, such as a test resource. */
        static Policies at(Supplier<Path> directory) {
            return scratch -> {
                OpaProcess opa = new OpaProcess(directory.get());
                opa.start();
                return opa;
            };
        }

        /** A test resource directory of policies ({@code /policies-mfa}). */
        static Policies resource(String name) {
            return at(() -> {
                try {
                    return Path.of(Objects.requireNonNull(ProxyStack.class.getResource(name), name)
                            .toURI());
                } catch (java.net.URISyntaxException e) {
                    throw new IllegalArgumentException(name, e);
                }
            });
        }
    }

    private enum UpstreamKind {
        RECORDING,
        SCRIPTED,
        SUPPLIED
    }

    /** What a test class declares about its stack; every part has the default most tests want. */
    public static final class Builder {
        private Supplier<Map<String, String>> settings = Map::of;
        private SubjectResolver subjects;
        private String yaml = "";
        private Policies policies = Policies.repo();
        private UpstreamKind upstream = UpstreamKind.RECORDING;
        private boolean recordingKept = true;
        private Duration keepAlive = Duration.ofSeconds(15);
        private Supplier<String> upstreamUrl;
        private Supplier<Map<String, String>> otel = Map::of;
        private String subjectHashKey;

        private Builder() {}

        /** Proxy settings by dotted key, on top of the harness defaults. */
        public Builder settings(Map<String, String> settings) {
            Map<String, String> copy = Map.copyOf(settings);
            this.settings = () -> copy;
            return this;
        }

        /** Proxy settings that depend on parts started before the stack, read when it starts. */
        public Builder settings(Supplier<Map<String, String>> settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        /** The subject of every request, standing in for the identity stage ({@link ProxyHarness}). */
        public Builder subjects(SubjectResolver subjects) {
            this.subjects = Objects.requireNonNull(subjects, "subjects");
            return this;
        }

        /** More of the config file, for what has no environment form. */
        public Builder yaml(String yaml) {
            this.yaml = Objects.requireNonNull(yaml, "yaml");
            return this;
        }

        public Builder policies(Policies policies) {
            this.policies = Objects.requireNonNull(policies, "policies");
            return this;
        }

        /** @param kept false for runs where keeping every request would only cost memory */
        public Builder recordingUpstream(boolean kept) {
            return recordingUpstream(kept, Duration.ofSeconds(15));
        }

        /**
         * @param kept false for runs where keeping every request would only cost memory
         * @param keepAlive how often the upstream pings open streams
         */
        public Builder recordingUpstream(boolean kept, Duration keepAlive) {
            this.upstream = UpstreamKind.RECORDING;
            this.recordingKept = kept;
            this.keepAlive = Objects.requireNonNull(keepAlive, "keepAlive");
            return this;
        }

        /** A {@link ScriptedUpstream}, answering what the test scripts (202 with no body until then). */
        public Builder scriptedUpstream() {
            this.upstream = UpstreamKind.SCRIPTED;
            return this;
        }

        /** An upstream another part runs (the sandbox core), by its MCP URL, read when the stack starts. */
        public Builder upstreamUrl(Supplier<String> url) {
            this.upstream = UpstreamKind.SUPPLIED;
            this.upstreamUrl = Objects.requireNonNull(url, "url");
            return this;
        }

        /** OpenTelemetry system properties set while the proxy is built ({@link OtelProperties#during}). */
        public Builder otel(Map<String, String> properties) {
            Map<String, String> copy = Map.copyOf(properties);
            this.otel = () -> copy;
            return this;
        }

        /** OpenTelemetry system properties that depend on parts started before the stack, read when it starts. */
        public Builder otel(Supplier<Map<String, String>> properties) {
            this.otel = Objects.requireNonNull(properties, "properties");
            return this;
        }

        /** The audit trail's subject-hash key, written to a file the {@code audit.subject-hash-key-file} names. */
        public Builder subjectHashKey(String key) {
            this.subjectHashKey = Objects.requireNonNull(key, "key");
            return this;
        }

        public ProxyStack build() {
            return new ProxyStack(this);
        }
    }
}
