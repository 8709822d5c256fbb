package io.mcpguard.proxy.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reading a bundle as {@code opa build} writes it, from a directory or a {@code .tar.gz}: which members count, what the
 * manifest gives, and every way a wrong file is refused with a message. The archives are written here byte by byte
 * (ustar headers) so each field can be set wrong on purpose; {@code WasmPolicyEngineTest} reads real OPA builds.
 */
class WasmBundleTest {
    private static final byte[] MODULE = {0, 'a', 's', 'm', 1, 0, 0, 0};
    private static final String MANIFEST = "{\"revision\":\"rev-7\",\"roots\":[\"mcp\"],"
            + "\"wasm\":[{\"entrypoint\":\"mcp/authz/decision\",\"module\":\"/policy.wasm\"},"
            + "{\"entrypoint\":42},{\"module\":\"/other.wasm\"},{\"entrypoint\":\"mcp/authz/allow\"}]}";

    @TempDir
    Path dir;

    /** One tar member; {@code size} null writes the body's length in octal, else that text in the size field. */
    private record Member(String name, String prefix, byte type, byte[] body, String size) {
        static Member file(String name, byte[] body) {
            return new Member(name, "", (byte) '0', body, null);
        }

        static Member file(String name, String body) {
            return file(name, body.getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] header(Member m) {
        byte[] h = new byte[512];
        put(h, 0, m.name());
        put(h, 100, "0000644");
        put(h, 124, m.size() != null ? m.size() : String.format("%011o", m.body().length));
        h[156] = m.type();
        put(h, 257, "ustar");
        put(h, 345, m.prefix());
        return h;
    }

    private static void put(byte[] header, int offset, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        System.arraycopy(bytes, 0, header, offset, bytes.length);
    }

    /** The archive's uncompressed bytes: each member padded to 512, then the two zero blocks when {@code end}. */
    private static byte[] tar(boolean end, Member... members) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Member m : members) {
            out.write(header(m));
            out.write(m.body());
            out.write(new byte[(512 - m.body().length % 512) % 512]);
        }
        if (end) {
            out.write(new byte[1024]);
        }
        return out.toByteArray();
    }

    private Path gz(byte[] tar) throws IOException {
        Path file = Files.createTempFile(dir, "bundle", ".tar.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(tar);
        }
        return file;
    }

    @Test
    void a_tar_gz_gives_the_module_the_data_the_revision_and_the_declared_entrypoints() throws Exception {
        byte[] big = new byte[1500]; // spans three blocks: the padding after it must be skipped exactly
        big[0] = 1;
        Path bundle = gz(tar(
                true,
                Member.file("/mcp/authz/authz.rego", "package mcp.authz\n"),
                Member.file("/data.json", "{\"tenants\":{}}"),
                Member.file("/policy.wasm", MODULE),
                Member.file("/mcp/big.json", big),
                Member.file("/.manifest", MANIFEST)));

        WasmBundle read = WasmBundle.read(bundle);

        assertThat(read.module()).isEqualTo(MODULE);
        assertThat(new String(read.data(), StandardCharsets.UTF_8)).isEqualTo("{\"tenants\":{}}");
        assertThat(read.revision()).isEqualTo("rev-7");
        assertThat(read.entrypoints())
                .as("entrypoints that are not text, or missing, are skipped")
                .containsExactly("mcp/authz/decision", "mcp/authz/allow");
    }

    @Test
    void members_at_the_root_without_a_slash_old_style_regular_files_and_no_end_blocks_are_read() throws Exception {
        Member oldStyle = new Member("data.json", "", (byte) 0, "{\"a\":1}".getBytes(StandardCharsets.UTF_8), null);
        Path bundle = gz(tar(false, Member.file("policy.wasm", MODULE), oldStyle));

        WasmBundle read = WasmBundle.read(bundle);

        assertThat(read.module()).isEqualTo(MODULE);
        assertThat(new String(read.data(), StandardCharsets.UTF_8)).isEqualTo("{\"a\":1}");
        assertThat(read.revision()).as("no manifest").isNull();
        assertThat(read.entrypoints()).isEmpty();
    }

    @Test
    void only_regular_files_at_the_root_count() throws Exception {
        Member underPrefix = new Member("policy.wasm", "nested", (byte) '0', MODULE, null);
        Member directory = new Member("/policy.wasm", "", (byte) '5', new byte[0], null);
        Member link = new Member("/policy.wasm", "", (byte) '2', new byte[0], null);
        Path bundle = gz(tar(true, underPrefix, directory, link, Member.file("/data.json", "{}")));

        assertThatThrownBy(() -> WasmBundle.read(bundle))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no policy.wasm")
                .hasMessageContaining("opa build -t wasm -e mcp/authz/decision");
    }

    @Test
    void a_member_size_of_blanks_is_an_empty_member() throws Exception {
        Member blank = new Member("/data.json", "", (byte) '0', new byte[0], "           ");
        Path bundle = gz(tar(true, Member.file("/policy.wasm", MODULE), blank));

        assertThatThrownBy(() -> WasmBundle.read(bundle))
                .as("an empty data.json is read, and is no JSON object")
                .hasMessageContaining("data.json is not a JSON object");
    }

    @Test
    void a_broken_archive_is_refused_naming_what_is_wrong() throws Exception {
        Member badSize = new Member("/policy.wasm", "", (byte) '0', MODULE, "12z");
        assertThatThrownBy(() -> WasmBundle.read(gz(tar(true, badSize))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("cannot read the policy bundle")
                .hasMessageContaining("not a tar archive (bad member size)");

        Member huge = new Member(
                "/policy.wasm", "", (byte) '0', new byte[0], Long.toOctalString(WasmBundle.MAX_MEMBER_BYTES + 1));
        assertThatThrownBy(() -> WasmBundle.read(gz(tar(true, huge))))
                .hasMessageContaining("policy.wasm is larger than " + WasmBundle.MAX_MEMBER_BYTES + " bytes");

        Member atTheBound = new Member(
                "/policy.wasm", "", (byte) '0', new byte[0], Long.toOctalString(WasmBundle.MAX_MEMBER_BYTES));
        assertThatThrownBy(() -> WasmBundle.read(gz(tar(false, atTheBound))))
                .as("at the bound the member is read, and here it is cut short")
                .hasMessageContaining("truncated tar archive");

        byte[] whole = tar(false, Member.file("/policy.wasm", MODULE));
        assertThatThrownBy(() -> WasmBundle.read(gz(java.util.Arrays.copyOf(whole, 300))))
                .as("a header cut short")
                .hasMessageContaining("truncated tar archive");
        assertThatThrownBy(() -> WasmBundle.read(gz(java.util.Arrays.copyOf(whole, 512 + 4))))
                .as("a member cut short")
                .hasMessageContaining("truncated tar archive");

        Path notGzip = dir.resolve("plain.tar");
        Files.write(notGzip, whole);
        assertThatThrownBy(() -> WasmBundle.read(notGzip))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot read the policy bundle " + notGzip);
    }

    @Test
    void a_directory_gives_the_same_members_and_the_data_defaults_to_an_empty_object() throws Exception {
        Files.write(dir.resolve("policy.wasm"), MODULE);
        Files.writeString(dir.resolve("other.txt"), "ignored");

        WasmBundle bare = WasmBundle.read(dir);
        assertThat(bare.module()).isEqualTo(MODULE);
        assertThat(new String(bare.data(), StandardCharsets.UTF_8)).isEqualTo("{}");
        assertThat(bare.revision()).isNull();

        Files.writeString(dir.resolve(".manifest"), MANIFEST);
        Files.writeString(dir.resolve("data.json"), "{\"x\":true}");
        WasmBundle full = WasmBundle.read(dir);
        assertThat(full.revision()).isEqualTo("rev-7");
        assertThat(new String(full.data(), StandardCharsets.UTF_8)).isEqualTo("{\"x\":true}");
        assertThat(full.entrypoints()).containsExactly("mcp/authz/decision", "mcp/authz/allow");
    }

    @Test
    void a_revision_that_is_empty_or_not_text_is_none() throws Exception {
        Files.write(dir.resolve("policy.wasm"), MODULE);
        for (String manifest : new String[] {"{\"revision\":\"\"}", "{\"revision\":7}", "{\"roots\":[]}"}) {
            Files.writeString(dir.resolve(".manifest"), manifest);
            assertThat(WasmBundle.read(dir).revision()).as(manifest).isNull();
        }
    }

    @Test
    void wrong_json_or_an_oversized_file_in_a_directory_is_refused() throws Exception {
        Files.write(dir.resolve("policy.wasm"), MODULE);
        Files.writeString(dir.resolve("data.json"), "[1, 2]");
        assertThatThrownBy(() -> WasmBundle.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the policy bundle's data.json is not a JSON object");

        Files.writeString(dir.resolve("data.json"), "{}");
        Files.writeString(dir.resolve(".manifest"), "{\"revision\": ");
        assertThatThrownBy(() -> WasmBundle.read(dir))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("the policy bundle " + dir + " holds malformed JSON");

        Files.writeString(dir.resolve(".manifest"), "{}");
        Files.writeString(dir.resolve("data.json"), "{\"a\":");
        assertThatThrownBy(() -> WasmBundle.read(dir)).hasMessageContaining("holds malformed JSON");

        Files.writeString(dir.resolve("data.json"), "{}");
        try (RandomAccessFile sparse =
                new RandomAccessFile(dir.resolve("policy.wasm").toFile(), "rw")) {
            sparse.setLength(WasmBundle.MAX_MEMBER_BYTES + 1);
        }
        assertThatThrownBy(() -> WasmBundle.read(dir))
                .hasMessageContaining("policy.wasm is larger than " + WasmBundle.MAX_MEMBER_BYTES + " bytes");
    }
}
