package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pin manifest: what it must hold, what each mode hides, and the file {@code mcpguard pin} writes. */
class ToolPinsTest {
    private static final String A = "sha256:" + "a".repeat(64);
    private static final String B = "sha256:" + "b".repeat(64);

    @TempDir
    Path dir;

    private Path manifest(String text) throws Exception {
        Path file = dir.resolve("pins.json");
        Files.writeString(file, text);
        return file;
    }

    @Test
    void the_manifest_written_is_sorted_pretty_and_read_back_alike() throws Exception {
        String text = ToolPins.manifest("http://core/mcp", Map.of("write", B, "read", A));

        assertThat(text).endsWith("}\n").contains("\n  \"version\" : 1,");
        assertThat(new ObjectMapper().readTree(text).get("server").asText()).isEqualTo("http://core/mcp");
        assertThat(text.indexOf("\"read\"")).as("tools sorted by name").isLessThan(text.indexOf("\"write\""));

        ToolPins pins = ToolPins.load(manifest(text), ToolPins.Mode.WARN);
        assertThat(pins.mode()).isEqualTo(ToolPins.Mode.WARN);
        assertThat(pins.status("read", A)).isEqualTo(ToolPins.Status.MATCH);
        assertThat(pins.status("write", A)).isEqualTo(ToolPins.Status.DRIFT);
        assertThat(pins.status("delete", A)).isEqualTo(ToolPins.Status.UNPINNED);
    }

    @Test
    void only_pin_mode_hides_and_only_what_does_not_match() throws Exception {
        Path file = manifest("{\"version\":1,\"tools\":{\"read\":\"" + A + "\"}}");
        ToolPins pin = ToolPins.load(file, ToolPins.Mode.PIN);
        ToolPins warn = ToolPins.load(file, ToolPins.Mode.WARN);
        ToolPins off = ToolPins.off();

        for (ToolPins.Status status : ToolPins.Status.values()) {
            assertThat(pin.hides(status)).as("pin, %s", status).isEqualTo(status != ToolPins.Status.MATCH);
            assertThat(warn.hides(status)).as("warn, %s", status).isFalse();
            assertThat(off.hides(status)).as("off, %s", status).isFalse();
        }
        assertThat(off.mode()).isEqualTo(ToolPins.Mode.OFF);
        assertThat(off.status("read", A)).as("off pins nothing").isEqualTo(ToolPins.Status.UNPINNED);
    }

    @Test
    void modes_and_states_have_lower_case_wire_names() {
        assertThat(ToolPins.Mode.PIN.wireName()).isEqualTo("pin");
        assertThat(ToolPins.Mode.WARN.wireName()).isEqualTo("warn");
        assertThat(ToolPins.Mode.OFF.wireName()).isEqualTo("off");
        assertThat(ToolPins.Status.MATCH.wireName()).isEqualTo("match");
        assertThat(ToolPins.Status.DRIFT.wireName()).isEqualTo("drift");
        assertThat(ToolPins.Status.UNPINNED.wireName()).isEqualTo("unpinned");
    }

    @Test
    void a_manifest_of_another_shape_stops_the_start_naming_the_file() throws Exception {
        String expected = "expected {\"version\": 1, \"tools\": {name: \"sha256:...\"}}";
        for (String text : new String[] {
            "{\"version\":2,\"tools\":{}}", "{\"version\":1,\"tools\":[]}", "{\"version\":1}", "[]", ""
        }) {
            Path file = manifest(text);
            assertThatThrownBy(() -> ToolPins.load(file, ToolPins.Mode.PIN))
                    .as(text)
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessage("tool pins " + file + ": " + expected);
        }
        assertThat(ToolPins.load(manifest("{\"version\":1,\"tools\":{}}"), ToolPins.Mode.PIN)
                        .status("any", A))
                .isEqualTo(ToolPins.Status.UNPINNED);
    }

    @Test
    void a_fingerprint_that_is_not_sha256_lower_hex_is_refused_naming_the_tool() throws Exception {
        for (String value : new String[] {
            "7", "null", "\"sha256:" + "A".repeat(64) + "\"", "\"sha256:" + "a".repeat(63) + "\"", "\"" + A + "x\""
        }) {
            Path file = manifest("{\"version\":1,\"tools\":{\"read\":\"" + A + "\",\"odd\":" + value + "}}");
            assertThatThrownBy(() -> ToolPins.load(file, ToolPins.Mode.PIN))
                    .as(value)
                    .hasMessage("tool pins " + file
                            + ": tool 'odd' needs a fingerprint of the form sha256:<64 lower-case hex digits>");
        }
    }

    @Test
    void a_missing_file_is_refused_without_a_stack_of_io_detail() {
        Path missing = dir.resolve("absent.json");
        assertThatThrownBy(() -> ToolPins.load(missing, ToolPins.Mode.PIN))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("tool pins " + missing + ": cannot read it as JSON (NoSuchFileException)");
    }
}
