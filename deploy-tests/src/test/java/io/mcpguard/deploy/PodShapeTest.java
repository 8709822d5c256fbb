package io.mcpguard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import io.mcpguard.proxy.auth.ApiKeyStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * The images as a pod runs them: the proxy, OPA, the Bitbucket MCP core and the sandbox Bitbucket share the proxy
 * container's network namespace (as containers of one Kubernetes pod do), so OPA, the core and the sandbox listen
 * on loopback and the proxy's port is the only one published. Every container runs as UID 10001 on a read-only
 * root filesystem with no capabilities. A collector container receives the audit trail over OTLP.
 *
 * <p>Needs podman's Docker API (DOCKER_HOST) and the images of {@code docker/build-images.sh}; fails without them.
 */
class PodShapeTest {
    private static final String TAG = "0.1.0-SNAPSHOT";
    private static final String UID = "10001:10001";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    /** A planted AWS key in the sandbox's config/application-prod.yml of acme/payments-api. */
    private static final String PLANTED_AWS_KEY = "AKIAIMJFOP3TFK2KBRYS";

    private static final List<GenericContainer<?>> started = new ArrayList<>();
    private static GenericContainer<?> collector;
    private static GenericContainer<?> proxy;
    private static Path dir;
    private static String apiKey;
    private static String session;

    @BeforeAll
    static void startPod() throws Exception {
        requireEngineAndImages();
        dir = Files.createTempDirectory("mcpguard-pod");
        String[] made = ApiKeyStore.newKey("deploy-test");
        apiKey = made[0];
        Path keys = dir.resolve("api-keys.yaml");
        Files.writeString(keys, """
                keys:
                  - id: deploy-test
                    owner: deploy-test
                    sha256: "%s"
                    roles: [viewer@acme/*]
                    scopes: []
                    created: 2026-01-01T00:00:00Z
                """.formatted(made[1]));
        // Read by UID 10001 inside the container.
        Files.setPosixFilePermissions(keys, PosixFilePermissions.fromString("rw-r--r--"));

        collector = start(hardened("mcpguard-otelcol")
                .withExposedPorts(4318)
                .waitingFor(Wait.forLogMessage(".*Everything is ready.*", 1)));
        String collectorIp = ipOf(collector);

        proxy = start(hardened("mcpguard-proxy")
                .withExposedPorts(8443)
                .withTmpFs(Map.of("/var/lib/mcpguard/audit-spool", "rw,size=64m,mode=1777"))
                .withFileSystemBind(keys.toString(), "/etc/mcpguard/api-keys.yaml", BindMode.READ_ONLY)
                .withEnv(Map.of(
                        "MCPGUARD_LISTEN_HOST", "0.0.0.0",
                        "MCPGUARD_LISTEN_PORT", "8443",
                        "MCPGUARD_UPSTREAM_URL", "http://127.0.0.1:8080/mcp",
                        "MCPGUARD_OPA_URL", "http://127.0.0.1:8181",
                        "MCPGUARD_AUTH_API_KEYS_FILE", "/etc/mcpguard/api-keys.yaml",
                        "MCPGUARD_AUDIT_OTLP_ENDPOINT", "http://" + collectorIp + ":4318",
                        "MCPGUARD_AUDIT_SPOOL_DIR", "/var/lib/mcpguard/audit-spool",
                        "OTEL_BSP_SCHEDULE_DELAY", "200",
                        "OTEL_METRICS_EXPORTER", "none"))
                .waitingFor(Wait.forHttp("/healthz").forPort(8443).withStartupTimeout(Duration.ofMinutes(2))));
        String pod = "container:" + proxy.getContainerId();
        start(hardened("mcpguard-opa")
                .withNetworkMode(pod)
                .withCommand(
                        "run",
                        "--server",
                        "--addr=127.0.0.1:8181",
                        "--log-level=error",
                        "--bundle",
                        "/policies/bundle.tar.gz"));
        start(hardened("mcpguard-sandbox").withNetworkMode(pod).withCommand("--port", "7990"));
        start(hardened("mcpguard-bitbucket-core")
                .withNetworkMode(pod)
                .withCommand("--http", "--host", "127.0.0.1", "--port", "8080")
                .withEnv(Map.of(
                        "BITBUCKET_URL", "http://127.0.0.1:7990/2.0",
                        "BITBUCKET_EMAIL", "demo@example.com",
                        // The sandbox's own published demo token, not a credential of anything real.
                        "BITBUCKET_API_TOKEN", "sandbox-demo-api-token")));
        session = awaitSession(Duration.ofMinutes(2));
    }

    @AfterAll
    static void stopPod() throws IOException {
        // Ryuk is off (its image is on Docker Hub): everything started here is removed here, last first.
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).stop();
        }
        if (dir != null) {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    void an_allowed_call_passes_through_the_proxy_to_the_core_and_the_sandbox() throws Exception {
        JsonNode answer = call(2, "get_repository", "acme", "payments-api", null);

        assertThat(answer.has("result")).as(answer.toString()).isTrue();
        assertThat(answer.toString()).contains("payments-api");
    }

    @Test
    void a_call_outside_the_subjects_workspace_is_denied_by_the_policy_in_the_opa_container() throws Exception {
        JsonNode answer = call(3, "get_repository", "globex", "payments-api", null);

        assertThat(answer.path("error").path("code").asInt())
                .as(answer.toString())
                .isEqualTo(-32001);
    }

    @Test
    void a_file_read_comes_back_with_its_planted_secrets_masked() throws Exception {
        JsonNode answer = call(4, "get_file_content", "acme", "payments-api", "config/application-prod.yml");

        assertThat(answer.has("result")).as(answer.toString()).isTrue();
        assertThat(answer.toString()).contains("[REDACTED:aws-access-key]").doesNotContain(PLANTED_AWS_KEY);
    }

    @Test
    void the_audit_trail_reaches_the_collector_container() throws Exception {
        call(5, "get_repository", "globex", "audit-trail", null);

        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline && !collector.getLogs().contains("mcp.policy.outcome: Str(deny)")) {
            Thread.sleep(200);
        }
        String logs = collector.getLogs();
        assertThat(logs).contains("tools/call get_repository").contains("mcp.policy.outcome: Str(deny)");
        assertThat(logs).doesNotContain(apiKey);
    }

    @Test
    void only_the_proxy_port_is_published_and_every_container_is_non_root_on_a_read_only_root() throws Exception {
        DockerClient docker = DockerClientFactory.instance().client();
        for (GenericContainer<?> container : started) {
            InspectContainerResponse inspected =
                    docker.inspectContainerCmd(container.getContainerId()).exec();
            String name = inspected.getConfig().getImage();
            assertThat(inspected.getConfig().getUser()).as(name).isEqualTo(UID);
            assertThat(inspected.getHostConfig().getReadonlyRootfs()).as(name).isTrue();
            // What the kernel says of the running process (the engine runs on this host): podman reports a
            // dropped "ALL" as the list it expanded to, so the effective set is read instead.
            List<String> status = Files.readAllLines(
                    Path.of("/proc", String.valueOf(inspected.getState().getPidLong()), "status"));
            assertThat(status).as(name).anySatisfy(line -> assertThat(line).matches("Uid:\\s+10001\\s+10001.*"));
            assertThat(status).as(name).contains("CapEff:\t0000000000000000");
            assertThat(inspected.getState().getRunning())
                    .as(name + " is running")
                    .isTrue();
            boolean published =
                    !inspected.getHostConfig().getPortBindings().getBindings().isEmpty();
            assertThat(published)
                    .as(name + " publishes a port")
                    .isEqualTo(container == proxy || container == collector);
        }
        // From outside the pod (the host, on the pod's address) only the proxy answers: OPA, the core and the
        // sandbox listen on the pod's loopback.
        String podIp = ipOf(proxy);
        assertThat(accepts(podIp, 8443)).as("the proxy at %s:8443", podIp).isTrue();
        for (int port : List.of(8181, 8080, 7990)) {
            assertThat(accepts(podIp, port))
                    .as("port %d on the pod's address", port)
                    .isFalse();
        }
    }

    private static GenericContainer<?> hardened(String image) {
        return new GenericContainer<>(DockerImageName.parse("localhost/" + image + ":" + TAG))
                .withTmpFs(Map.of("/tmp", "rw,size=64m,mode=1777"))
                .withCreateContainerCmdModifier(cmd -> cmd.withUser(UID)
                        .getHostConfig()
                        .withReadonlyRootfs(true)
                        .withCapDrop(Capability.ALL)
                        .withSecurityOpts(List.of("no-new-privileges")));
    }

    private static GenericContainer<?> start(GenericContainer<?> container) {
        started.add(container);
        container.start();
        return container;
    }

    private static void requireEngineAndImages() {
        if (!DockerClientFactory.instance().isDockerAvailable()) {
            fail("no container engine at DOCKER_HOST=" + System.getenv("DOCKER_HOST")
                    + "; install podman and run `podman system service --time=0 &` (see .ci/run)");
        }
        DockerClient docker = DockerClientFactory.instance().client();
        for (String image : List.of(
                "mcpguard-proxy", "mcpguard-opa", "mcpguard-bitbucket-core", "mcpguard-sandbox", "mcpguard-otelcol")) {
            try {
                docker.inspectImageCmd("localhost/" + image + ":" + TAG).exec();
            } catch (RuntimeException e) {
                fail("image localhost/" + image + ":" + TAG + " is missing; run docker/build-images.sh", e);
            }
        }
    }

    private static String ipOf(GenericContainer<?> container) {
        return container.getContainerInfo().getNetworkSettings().getNetworks().values().stream()
                .map(n -> n.getIpAddress())
                .filter(ip -> ip != null && !ip.isEmpty())
                .findFirst()
                .orElseThrow(() -> new IllegalStateException("no address for " + container.getDockerImageName()));
    }

    private static boolean accepts(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Initializes a session through the proxy, retrying while the core (started last) comes up. */
    private static String awaitSession(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> initialized = post(
                        null,
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"protocolVersion\":"
                                + "\"2025-06-18\",\"capabilities\":{},\"clientInfo\":{\"name\":\"pod-test\","
                                + "\"version\":\"1\"}}}");
                var id = initialized.headers().firstValue("Mcp-Session-Id");
                if (initialized.statusCode() == 200 && id.isPresent()) {
                    post(id.get(), "{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
                    return id.get();
                }
                last = initialized.statusCode() + " " + initialized.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no MCP session through the proxy within " + timeout + "; last answer: " + last
                + "\nproxy log:\n" + proxy.getLogs());
    }

    private static JsonNode call(int id, String tool, String workspace, String repo, String path) throws Exception {
        String arguments = "\"workspace\":\"" + workspace + "\",\"repo\":\"" + repo + "\""
                + (path == null ? "" : ",\"path\":\"" + path + "\"");
        HttpResponse<String> response = post(
                session,
                "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool
                        + "\",\"arguments\":{" + arguments + "}}}");
        return message(response.body());
    }

    /** The JSON-RPC message of an answer, plain JSON or the data of its SSE event. */
    private static JsonNode message(String body) throws IOException {
        if (body.startsWith("{")) {
            return JSON.readTree(body);
        }
        for (String line : body.split("\n")) {
            if (line.startsWith("data:") && line.contains("\"jsonrpc\"")) {
                return JSON.readTree(line.substring(5).trim());
            }
        }
        throw new IOException("no JSON-RPC message in: " + body);
    }

    private static HttpResponse<String> post(String session, String json) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + proxy.getMappedPort(8443) + "/mcp"))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json, text/event-stream")
                .header("MCP-Protocol-Version", "2025-06-18")
                .header("Authorization", "Bearer " + apiKey)
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(json));
        if (session != null) {
            request.header("Mcp-Session-Id", session);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
