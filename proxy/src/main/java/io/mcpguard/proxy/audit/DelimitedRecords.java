package io.mcpguard.proxy.audit;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/** The length prefix of the spool's records: a protobuf varint, as disk-buffering writes and reads them. */
final class DelimitedRecords {
    private DelimitedRecords() {}

    static void writeLength(int length, OutputStream out) throws IOException {
        int value = length;
        while ((value & ~0x7F) != 0) {
            out.write((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.write(value);
    }

    /** How many bytes the varint at the start of {@code record} takes. */
    static int prefixLength(byte[] record) {
        int i = 0;
        while (i < record.length && i < 5 && (record[i] & 0x80) != 0) {
            i++;
        }
        return i + 1;
    }

    /** Reads a varint length; -1 at the end of the stream before any byte. */
    static int readLength(InputStream in) throws IOException {
        int result = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.read();
            if (b < 0) {
                if (shift == 0) {
                    return -1;
                }
                throw new IOException("truncated length");
            }
            result |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return result;
            }
        }
        throw new IOException("malformed length");
    }
}
