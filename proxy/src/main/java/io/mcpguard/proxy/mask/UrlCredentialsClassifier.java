package io.mcpguard.proxy.mask;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Passwords inside URLs: {@code scheme://user:password@host}. Only the password is reported, so a masked URL
 * still says where it points. Database and broker URLs ({@code postgres://}, {@code mongodb+srv://}, {@code
 * amqp://}…) are secrets; any other scheme's are credentials.
 */
final class UrlCredentialsClassifier extends KeywordClassifier {
    private static final Set<String> DATA_STORES = Set.of(
            "postgres",
            "postgresql",
            "mysql",
            "mariadb",
            "mongodb",
            "mongodb+srv",
            "redis",
            "rediss",
            "amqp",
            "amqps",
            "kafka",
            "sqlserver",
            "oracle",
            "cassandra",
            "nats",
            "mqtt",
            "memcached",
            "couchdb",
            "neo4j");

    private static final List<String> KEYWORDS = List.of("://");

    UrlCredentialsClassifier() {
        super(KEYWORDS);
    }

    @Override
    public void scan(String text, char[] chars, KeywordHits hits, List<Finding> out) {
        for (int h = 0; h < hits.size(); h++) {
            int at = hits.start(h);
            int schemeStart = at;
            while (schemeStart > 0 && isSchemeChar(text.charAt(schemeStart - 1))) {
                schemeStart--;
            }
            if (schemeStart == at) {
                continue;
            }
            int userStart = at + 3;
            int i = userStart;
            int colon = -1;
            int limit = Math.min(text.length(), userStart + 512);
            while (i < limit) {
                char c = text.charAt(i);
                if (c == '@'
                        || c == '/'
                        || c == '?'
                        || c == '#'
                        || Character.isWhitespace(c)
                        || c == '"'
                        || c == '\'') {
                    break;
                }
                if (c == ':' && colon < 0) {
                    colon = i;
                }
                i++;
            }
            if (i >= limit || text.charAt(i) != '@' || colon < 0 || colon + 1 >= i) {
                continue;
            }
            String scheme = text.substring(schemeStart, at).toLowerCase(Locale.ROOT);
            if (scheme.startsWith("jdbc:")) {
                scheme = scheme.substring(5);
            }
            boolean store = DATA_STORES.contains(scheme);
            out.add(new Finding(
                    colon + 1,
                    i,
                    store ? "database-url-password" : "url-credentials",
                    store ? DataClass.SECRETS : DataClass.CREDENTIALS));
        }
    }

    private static boolean isSchemeChar(char c) {
        return Chars.isAlnum(c) || c == '+' || c == '.' || c == '-' || c == ':';
    }
}
