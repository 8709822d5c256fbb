package io.mcpguard.proxy.audit;

import io.opentelemetry.contrib.disk.buffering.internal.serialization.serializers.SignalSerializer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Collection;

/**
 * The spool's serializer with encryption: the disk-buffering serializer turns a batch into one length-prefixed
 * OTLP record, this seals the record's bytes ({@link SpoolCipher}) and writes them with a length prefix of their
 * own, so the storage's files, bounds and reader work unchanged on sealed records. Used by the one thread that
 * writes the spool, like the serializer it wraps.
 */
final class SealedSerializer<T> implements SignalSerializer<T> {
    private final SignalSerializer<T> plain;
    private final SpoolCipher cipher;
    private final String signal;
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream();
    private byte[] sealed;

    SealedSerializer(SignalSerializer<T> plain, SpoolCipher cipher, String signal) {
        this.plain = plain;
        this.cipher = cipher;
        this.signal = signal;
    }

    @Override
    public SignalSerializer<T> initialize(Collection<T> batch) {
        buffer.reset();
        try {
            plain.initialize(batch).writeBinaryTo(buffer);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        } finally {
            plain.reset();
        }
        byte[] record = buffer.toByteArray();
        int prefix = DelimitedRecords.prefixLength(record);
        byte[] body = java.util.Arrays.copyOfRange(record, prefix, record.length);
        sealed = cipher.seal(body, signal);
        java.util.Arrays.fill(record, (byte) 0);
        java.util.Arrays.fill(body, (byte) 0);
        return this;
    }

    @Override
    public void writeBinaryTo(OutputStream out) throws IOException {
        DelimitedRecords.writeLength(sealed.length, out);
        out.write(sealed);
    }

    @Override
    public int getBinarySerializedSize() {
        return sealed.length;
    }

    @Override
    public void reset() {
        sealed = null;
    }
}
