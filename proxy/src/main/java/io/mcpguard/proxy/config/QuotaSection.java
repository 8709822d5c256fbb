package io.mcpguard.proxy.config;

import io.mcpguard.proxy.config.ProxyConfig.*;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The {@code quota.*} keys: where token buckets live (this process, or Redis shared by replicas). */
final class QuotaSection {
    private QuotaSection() {}

    static Quota parse(ConfigSource src) {
        int maxBuckets = src.integer("quota.max-buckets", 100_000, 1, 100_000_000);
        String store = src.string("quota.store", "local");
        src.require(
                store.equals("local") || store.equals("redis"),
                "config key 'quota.store': expected local or redis, got '" + store + "'");
        if (!store.equals("redis")) {
            return new Quota(maxBuckets, Quota.Store.LOCAL, null);
        }
        String urlText = src.string("quota.redis.url", "");
        URI url = null;
        String expected = "config key 'quota.redis.url': expected redis://host:port or rediss://host:port (TLS)";
        if (urlText.isEmpty()) {
            src.require(false, expected + " when quota.store is redis, got nothing");
        } else {
            try {
                URI parsed = new URI(urlText);
                String scheme = parsed.getScheme() == null ? "" : parsed.getScheme();
                boolean ok = (scheme.equals("redis") || scheme.equals("rediss")) && parsed.getHost() != null;
                // A password in the URL would sit in a config file and in any message that quotes the URL.
                boolean noPassword = parsed.getRawUserInfo() == null;
                src.require(ok, expected + ", got '" + (noPassword ? urlText : scheme + "://…") + "'");
                src.require(
                        noPassword,
                        "config key 'quota.redis.url': must not carry credentials; use quota.redis.username and"
                                + " quota.redis.password-file or quota.redis.password-env");
                url = ok && noPassword ? parsed : null;
            } catch (URISyntaxException e) {
                src.require(false, expected + " (not a URL)");
            }
        }
        String username = src.string("quota.redis.username", "");
        Secret password = SecretKeys.load(src, "quota.redis.password", 0);
        Duration timeout = src.duration(
                "quota.redis.timeout", Duration.ofMillis(250), Duration.ofMillis(1), Duration.ofSeconds(30));
        String caText = src.string("quota.redis.tls-ca-file", "");
        Path ca = caText.isEmpty() ? null : Path.of(caText);
        if (ca != null) {
            src.require(Files.isReadable(ca), "config key 'quota.redis.tls-ca-file': cannot read " + caText);
            src.require(
                    url == null || url.getScheme().equals("rediss"),
                    "config key 'quota.redis.tls-ca-file' needs a rediss:// quota.redis.url (TLS)");
        }
        return new Quota(
                maxBuckets,
                Quota.Store.REDIS,
                new Quota.Redis(url, username.isEmpty() ? null : username, password, timeout, ca));
    }
}
