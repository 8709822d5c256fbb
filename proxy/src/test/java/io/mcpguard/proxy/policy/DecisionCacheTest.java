package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.jsonrpc.JsonRpcMessage;
import io.mcpguard.proxy.testing.OpaProcess;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decision cache in front of a real, watching OPA: hits for repeated inputs (whatever their JSON-RPC id),
 * misses for anything else, nothing cached where the policy says 0, and a policy change on disk reaching the very
 * next decision once OPA reports the new revision.
 */
class DecisionCacheTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TransportFacts FACTS = new TransportFacts("127.0.0.1", false, "POST", "/mcp", null, null, 1);
    private static final Subject DEVELOPER = new Subject(
            "u-1", true, "jwt", List.of("developer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);

    @TempDir
    Path dir;

    private OpaProcess opa;
    private EventLoopGroup loops;
    private OpaPolicyEngine opaEngine;
    private CachingPolicyEngine cache;

    @BeforeEach
    void start() {
        opa = OpaProcess.startWithWatchedCopyOfRepoPolicies(dir);
        loops = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        ProxyConfig config = ProxyConfig.parse("opa:\n  url: " + opa.url() + "\n  timeout: 5s\n", Map.of());
        opaEngine = new OpaPolicyEngine(config.opa(), loops, JSON);
        cache = new CachingPolicyEngine(
                opaEngine,
                1000,
                Duration.ofMinutes(1),
                Duration.ofMillis(100),
                opaEngine::currentRevision,
                loops.next());
    }

    @AfterEach
    void stop() {
        if (cache != null) cache.close();
        if (loops != null) loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        if (opa != null) opa.close();
    }

    static JsonRpcMessage call(int id, String tool, String repo) throws Exception {
        String json = """
                {"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"%s",\
                "arguments":{"workspace":"acme","repo":"%s"}}}""".formatted(id, tool, repo);
        return new JsonRpcDecoder(64, 1 << 20, 32)
                .decode(json.getBytes(StandardCharsets.UTF_8))
                .messages()
                .get(0);
    }

    private Decision decide(Subject subject, JsonRpcMessage message) throws Exception {
        return cache.decide(new PolicyInput(subject, message, FACTS)).get(10, TimeUnit.SECONDS);
    }

    @Test
    void the_same_question_with_another_request_id_is_a_hit_and_another_question_a_miss() throws Exception {
        Decision first = decide(DEVELOPER, call(1, "get_repository", "api"));
        Decision again = decide(DEVELOPER, call(2, "get_repository", "api"));
        assertThat(cache.misses()).isEqualTo(1);
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(again).isSameAs(first);

        decide(DEVELOPER, call(3, "get_repository", "other-repo"));
        Subject otherSubject = new Subject(
                "u-2", true, "jwt", List.of("developer@acme/*"), List.of(), null, List.of("pwd"), null, null, null);
        decide(otherSubject, call(4, "get_repository", "api"));
        assertThat(cache.misses()).isEqualTo(3);
        assertThat(cache.hits()).isEqualTo(1);
    }

    @Test
    void a_decision_the_policy_marks_uncacheable_is_asked_every_time() throws Exception {
        Subject maintainer = new Subject(
                "u-3",
                true,
                "jwt",
                List.of("maintainer@acme/*"),
                List.of(),
                null,
                List.of("otp"),
                null,
                Instant.now(),
                null);
        for (int i = 0; i < 3; i++) {
            Decision merge = decide(maintainer, call(i, "merge_pull_request", "api"));
            assertThat(merge.allow()).isTrue();
            assertThat(merge.cacheTtlMillis()).isZero();
        }
        assertThat(cache.hits()).isZero();
        assertThat(cache.misses()).isEqualTo(3);
    }

    @Test
    void a_policy_changed_on_disk_reaches_the_next_decision_through_the_cache() throws Exception {
        assertThat(decide(DEVELOPER, call(1, "create_pull_request", "api")).allow())
                .isTrue();
        assertThat(decide(DEVELOPER, call(2, "create_pull_request", "api")).allow())
                .isTrue();
        assertThat(cache.hits()).isEqualTo(1);
        String before = cache.revision();

        // Developers lose writes, in a new revision.
        Path roles = opa.policies().resolve("mcp/rbac/data.json");
        Files.writeString(
                roles,
                Files.readString(roles)
                        .replace(
                                "\"developer\": {\"classes\": [\"read\", \"write\"]}",
                                "\"developer\": {\"classes\": [\"read\"]}"));
        Path manifest = opa.policies().resolve(".manifest");
        Files.writeString(manifest, Files.readString(manifest).replace(before, "test-revision-2"));

        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!"test-revision-2".equals(cache.revision()) && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(cache.revision()).isEqualTo("test-revision-2");
        Decision after = decide(DEVELOPER, call(3, "create_pull_request", "api"));
        assertThat(after.allow()).isFalse();
        assertThat(after.revision()).isEqualTo("test-revision-2");
    }
}
