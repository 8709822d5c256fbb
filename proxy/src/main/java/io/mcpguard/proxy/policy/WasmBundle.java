package io.mcpguard.proxy.policy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.zip.GZIPInputStream;

/**
 * What {@code opa build -t wasm -e <entrypoint> -b policies/} produces, read from the {@code bundle.tar.gz} or from a
 * directory holding the same files: the compiled module ({@code /policy.wasm}), the base document ({@code
 * /data.json}) and the manifest ({@code /.manifest}), whose {@code revision} names the policy on every decision.
 *
 * <p>Only those three members are read; the Rego sources the bundle also carries are skipped. Sizes are bounded so
 * that a wrong path (a log file, a disk image) fails with a message instead of filling the heap.
 *
 * @param module the Wasm binary
 * @param data the base document as JSON text ({@code {}} when the bundle has none)
 * @param revision the manifest's revision, or null when it names none
 * @param entrypoints the entrypoints the manifest declares for the module
 */
record WasmBundle(byte[] module, byte[] data, String revision, java.util.List<String> entrypoints) {
    static final long MAX_MEMBER_BYTES = 64L * 1024 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Reads a bundle; a missing or malformed member fails with {@link IllegalArgumentException} naming it. */
    static WasmBundle read(Path path) {
        Map<String, byte[]> members;
        try {
            members = Files.isDirectory(path) ? fromDirectory(path) : fromTarGz(path);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read the policy bundle " + path + ": " + e.getMessage(), e);
        }
        byte[] module = members.get("policy.wasm");
        if (module == null) {
            throw new IllegalArgumentException("the policy bundle " + path
                    + " has no policy.wasm (build it with: opa build -t wasm -e mcp/authz/decision -b policies/)");
        }
        byte[] data = members.getOrDefault("data.json", "{}".getBytes(StandardCharsets.UTF_8));
        String revision = null;
        java.util.List<String> entrypoints = new java.util.ArrayList<>();
        byte[] manifest = members.get(".manifest");
        try {
            if (!JSON.readTree(data).isObject()) {
                throw new IllegalArgumentException("the policy bundle's data.json is not a JSON object");
            }
            if (manifest != null) {
                JsonNode document = JSON.readTree(manifest);
                JsonNode rev = document.get("revision");
                revision = rev != null && rev.isTextual() && !rev.asText().isEmpty() ? rev.asText() : null;
                for (JsonNode wasm : document.path("wasm")) {
                    JsonNode entrypoint = wasm.get("entrypoint");
                    if (entrypoint != null && entrypoint.isTextual()) {
                        entrypoints.add(entrypoint.asText());
                    }
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "the policy bundle " + path + " holds malformed JSON: " + e.getMessage());
        }
        return new WasmBundle(module, data, revision, entrypoints);
    }

    private static Map<String, byte[]> fromDirectory(Path dir) throws IOException {
        Map<String, byte[]> members = new HashMap<>();
        for (String name : new String[] {"policy.wasm", "data.json", ".manifest"}) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                if (Files.size(file) > MAX_MEMBER_BYTES) {
                    throw new IOException(name + " is larger than " + MAX_MEMBER_BYTES + " bytes");
                }
                members.put(name, Files.readAllBytes(file));
            }
        }
        return members;
    }

    /**
     * A minimal reader of the ustar archives {@code opa build} writes: 512-byte headers, each followed by its member
     * padded to 512 bytes. Only regular files at the root are kept.
     */
    private static Map<String, byte[]> fromTarGz(Path file) throws IOException {
        Map<String, byte[]> members = new HashMap<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(file), 64 * 1024)) {
            byte[] header = new byte[512];
            while (true) {
                if (!readFully(in, header)) {
                    break; // end of archive without the two zero blocks: accept, gzip already checked integrity
                }
                if (isZero(header)) {
                    break;
                }
                String name = text(header, 0, 100);
                String prefix = text(header, 345, 155);
                if (!prefix.isEmpty()) {
                    name = prefix + "/" + name;
                }
                long size = octal(header, 124, 12);
                if (size < 0) {
                    throw new IOException("not a tar archive (bad member size)");
                }
                byte type = header[156];
                String member = name.startsWith("/") ? name.substring(1) : name;
                boolean wanted = (type == '0' || type == 0)
                        && (member.equals("policy.wasm") || member.equals("data.json") || member.equals(".manifest"));
                if (wanted && size > MAX_MEMBER_BYTES) {
                    throw new IOException(member + " is larger than " + MAX_MEMBER_BYTES + " bytes");
                }
                long padded = (size + 511) / 512 * 512;
                if (wanted) {
                    byte[] body = new byte[(int) size];
                    // An empty member has no body to read: reading zero bytes is not the end of the archive.
                    if (size > 0 && !readFully(in, body)) {
                        throw new IOException("truncated tar archive");
                    }
                    members.put(member, body);
                    in.skipNBytes(padded - size);
                } else {
                    in.skipNBytes(padded);
                }
            }
        }
        return members;
    }

    private static boolean readFully(InputStream in, byte[] into) throws IOException {
        int read = in.readNBytes(into, 0, into.length);
        if (read == 0) {
            return false;
        }
        if (read < into.length) {
            throw new IOException("truncated tar archive");
        }
        return true;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] header, int offset, int length) {
        String digits = text(header, offset, length).trim();
        if (digits.isEmpty()) {
            return 0;
        }
        try {
            return Long.parseLong(digits, 8);
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
