package io.mcpguard.proxy.stdio;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LineFramerTest {

    private static LineFramer framer(String text, int max) {
        return new LineFramer(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), max);
    }

    @Test
    void cuts_newline_delimited_messages_and_drops_a_carriage_return() throws IOException {
        LineFramer framer = framer("{\"a\":1}\n{\"b\":\"é\"}\r\n", 100);

        assertThat(framer.next().text()).isEqualTo("{\"a\":1}");
        assertThat(framer.next().text()).isEqualTo("{\"b\":\"é\"}");
        assertThat(framer.next()).isNull();
    }

    @Test
    void an_unfinished_last_line_is_no_message() throws IOException {
        LineFramer framer = framer("{\"a\":1}\n{\"cut", 100);

        assertThat(framer.next().text()).isEqualTo("{\"a\":1}");
        assertThat(framer.next()).isNull();
    }

    @Test
    void a_line_at_the_bound_passes_and_one_byte_more_is_oversized_with_its_edges_kept() throws IOException {
        String fits = "x".repeat(1024);
        String head = "{\"id\":\"mcpguard-7\",\"result\":\"";
        String tail = "\",\"jsonrpc\":\"2.0\",\"id\":\"mcpguard-8\"}";
        String big = head + "y".repeat(5000) + tail;
        LineFramer framer = framer(fits + "\n" + big + "\n{\"next\":true}\n", 1024);

        assertThat(framer.next().text()).isEqualTo(fits);
        LineFramer.Frame over = framer.next();
        assertThat(over.oversized()).isTrue();
        assertThat(over.text()).isNull();
        assertThat(over.length()).isEqualTo(big.length());
        assertThat(over.head()).startsWith(head);
        assertThat(over.tail()).endsWith(tail).hasSize(LineFramer.EDGE_BYTES);
        assertThat(framer.next().text()).isEqualTo("{\"next\":true}");
    }

    @Test
    void the_tail_of_a_line_just_over_the_bound_joins_the_held_part_and_the_overflow() throws IOException {
        String line = "a".repeat(1000) + "b".repeat(30) + "END";
        LineFramer.Frame over = framer(line + "\n", 1024).next();

        assertThat(over.oversized()).isTrue();
        assertThat(over.tail()).isEqualTo(line.substring(line.length() - LineFramer.EDGE_BYTES));
    }

    @Test
    void an_endless_line_is_never_held_whole() throws IOException {
        long[] served = {0};
        long total = 64L * 1024 * 1024;
        InputStream endless = new InputStream() {
            @Override
            public int read() {
                return served[0]++ < total ? 'z' : (served[0] == total + 1 ? '\n' : -1);
            }

            @Override
            public int read(byte[] b, int off, int len) {
                int n = 0;
                while (n < len) {
                    int c = read();
                    if (c < 0) {
                        return n == 0 ? -1 : n;
                    }
                    b[off + n++] = (byte) c;
                }
                return n;
            }
        };
        LineFramer.Frame frame = new LineFramer(endless, 4096).next();

        assertThat(frame.oversized()).isTrue();
        assertThat(frame.length()).isEqualTo(total);
    }
}
