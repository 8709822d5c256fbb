package io.mcpguard.core.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.mcpguard.core.tools.Access;
import io.mcpguard.core.tools.ToolDefinition;
import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.client.transport.HttpClientStreamableHttpTransport;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.Tool;
import java.io.IOException;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** How the core stops while a request is still being served: Jetty's stop timeout cuts it, and the close succeeds. */
class HttpMcpServerStopTest {

    @Test
    void a_request_still_open_at_the_stop_timeout_is_cut_with_a_warning_and_the_server_stops() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch released = new CountDownLatch(1);
        Tool tool = Tool.builder("wait_forever", Map.of("type", "object")).build();
        ToolDefinition slow = new ToolDefinition(tool, Access.READ, args -> {
            entered.countDown();
            try {
                released.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return CallToolResult.builder()
                    .content(List.of(new TextContent("done")))
                    .build();
        });
        HttpMcpServer core = HttpMcpServer.start(
                "127.0.0.1",
                0,
                Duration.ofSeconds(15),
                List.of("127.0.0.1:*"),
                List.of("http://127.0.0.1:*"),
                List.of(slow));
        int port = core.port();
        McpSyncClient client = McpClient.sync(HttpClientStreamableHttpTransport.builder("http://127.0.0.1:" + port)
                        .endpoint(HttpMcpServer.ENDPOINT)
                        .build())
                .requestTimeout(Duration.ofSeconds(30))
                .build();
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(HttpMcpServer.class);
        logger.addAppender(logged);
        logged.start();
        try {
            client.initialize();
            CompletableFuture<CallToolResult> call = CompletableFuture.supplyAsync(() ->
                    client.callTool(CallToolRequest.builder("wait_forever").build()));
            assertThat(entered.await(10, TimeUnit.SECONDS))
                    .as("the tool call reached its handler")
                    .isTrue();

            core.close(); // must not throw although the call is still open

            assertThat(logged.list)
                    .extracting(ILoggingEvent::getFormattedMessage)
                    .contains("requests still open at the stop timeout were cut");
            assertThat(refusesConnections(port)).as("the port is closed").isTrue();
            assertThat(call).failsWithin(Duration.ofSeconds(30));
        } finally {
            released.countDown();
            logger.detachAppender(logged);
            client.close();
        }
    }

    @Test
    void an_idle_server_stops_without_a_warning() throws Exception {
        HttpMcpServer core = HttpMcpServer.start(
                "127.0.0.1", 0, Duration.ofSeconds(15), List.of("127.0.0.1:*"), List.of(), List.of());
        int port = core.port();
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        Logger logger = (Logger) LoggerFactory.getLogger(HttpMcpServer.class);
        logger.addAppender(logged);
        logged.start();
        try {
            core.close();
            assertThat(logged.list).isEmpty();
            assertThat(refusesConnections(port)).isTrue();
        } finally {
            logger.detachAppender(logged);
        }
    }

    private static boolean refusesConnections(int port) {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return false;
        } catch (IOException refused) {
            return true;
        }
    }
}
