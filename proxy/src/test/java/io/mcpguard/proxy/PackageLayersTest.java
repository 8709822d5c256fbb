package io.mcpguard.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The proxy's packages form layers, never a cycle: the low-level ones ({@code http}, {@code jsonrpc}, {@code mask},
 * {@code config}) import none of the stages, the exchange record imports only values, and the pipeline's stages sit
 * above the engines they drive. Read from the sources, so a new import that closes a cycle fails here, naming it.
 */
class PackageLayersTest {
    private static final Path SOURCES = Path.of("src/main/java/io/mcpguard/proxy");
    private static final Pattern IMPORT = Pattern.compile("^import (?:static )?io\\.mcpguard\\.proxy\\.([a-z]+)\\.");

    private static Map<String, Set<String>> imports() throws IOException {
        Map<String, Set<String>> graph = new TreeMap<>();
        try (Stream<Path> files = Files.walk(SOURCES)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path relative = SOURCES.relativize(file);
                if (relative.getNameCount() < 2) {
                    continue; // Main, the assembly point, may import anything
                }
                String from = relative.getName(0).toString();
                Set<String> to = graph.computeIfAbsent(from, k -> new TreeSet<>());
                for (String line : Files.readAllLines(file)) {
                    Matcher m = IMPORT.matcher(line);
                    if (m.find() && !m.group(1).equals(from)) {
                        to.add(m.group(1));
                    }
                }
            }
        }
        return graph;
    }

    @Test
    void no_package_imports_one_that_imports_it_back() throws IOException {
        Map<String, Set<String>> graph = imports();
        List<String> cycles = new ArrayList<>();
        for (String start : graph.keySet()) {
            findCycle(graph, start, new ArrayList<>(List.of(start)), cycles);
        }
        assertThat(cycles).as("package cycles (graph: %s)", graph).isEmpty();
    }

    @Test
    void the_low_level_packages_import_no_stage() throws IOException {
        Map<String, Set<String>> graph = imports();
        assertThat(graph.getOrDefault("config", Set.of())).isEmpty();
        assertThat(graph.getOrDefault("jsonrpc", Set.of())).isEmpty();
        assertThat(graph.getOrDefault("mask", Set.of())).doesNotContain("pipeline", "transport", "audit");
        assertThat(graph.get("http")).isSubsetOf("jsonrpc");
        assertThat(graph.get("exchange")).isSubsetOf("jsonrpc", "mask", "policy", "quota");
        assertThat(graph.get("audit")).doesNotContain("forward", "pipeline", "transport", "auth");
    }

    private static void findCycle(Map<String, Set<String>> graph, String node, List<String> path, List<String> cycles) {
        for (String next : graph.getOrDefault(node, Set.of())) {
            if (next.equals(path.get(0))) {
                cycles.add(String.join(" -> ", path) + " -> " + next);
            } else if (!path.contains(next) && next.compareTo(path.get(0)) > 0) {
                path.add(next);
                findCycle(graph, next, path, cycles);
                path.remove(path.size() - 1);
            }
        }
    }
}
