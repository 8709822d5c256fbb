package io.mcpguard.proxy.transport;

import io.mcpguard.proxy.audit.AuditTrail;
import io.mcpguard.proxy.auth.AuthenticationHandler;
import io.mcpguard.proxy.auth.Authenticator;
import io.mcpguard.proxy.auth.ClientCertificates;
import io.mcpguard.proxy.bridge.LegacyBridge;
import io.mcpguard.proxy.budget.Budgets;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.config.TlsSettings;
import io.mcpguard.proxy.forward.AnswerInspection;
import io.mcpguard.proxy.forward.SealedRequestStates;
import io.mcpguard.proxy.forward.TraceContextInjector;
import io.mcpguard.proxy.forward.UpstreamClient;
import io.mcpguard.proxy.http.HttpAnswers;
import io.mcpguard.proxy.http.Readiness;
import io.mcpguard.proxy.jsonrpc.JsonRpcDecoder;
import io.mcpguard.proxy.mask.ArgumentClassifier;
import io.mcpguard.proxy.mask.ClientText;
import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.MaskedSnapshots;
import io.mcpguard.proxy.mask.PatternRuleClassifier;
import io.mcpguard.proxy.mask.RulesFile;
import io.mcpguard.proxy.mask.RulesFileException;
import io.mcpguard.proxy.mask.RulesFileWatcher;
import io.mcpguard.proxy.mask.SensitiveDataScanner;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.mask.UpstreamErrorSanitizer;
import io.mcpguard.proxy.pipeline.MessagePath;
import io.mcpguard.proxy.policy.DeclaredTools;
import io.mcpguard.proxy.policy.PolicyEngine;
import io.mcpguard.proxy.policy.PolicyGate;
import io.mcpguard.proxy.policy.PolicyInputBound;
import io.mcpguard.proxy.policy.SubjectResolver;
import io.mcpguard.proxy.policy.ToolPins;
import io.mcpguard.proxy.quota.QuotaGate;
import io.mcpguard.proxy.quota.QuotaStore;
import io.mcpguard.proxy.stdio.StdioBridge;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Assembles the stages from a config and runs them on Netty. */
public final class ProxyServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ProxyServer.class);

    private final ProxyConfig config;
    private final EventLoopGroup acceptors;
    private final EventLoopGroup workers;
    private final PolicyEngine policy;
    private final QuotaStore quotas;
    private final UpstreamClient upstream;
    private final LegacyBridge bridge;
    private final Authenticator authenticator;
    private final AuditTrail audit;
    private final ProxyChannelInitializer initializer;
    private final RulesFileWatcher rulesWatcher;
    private final ListenerTls listenerTls;
    /** The launched stdio server's front, or null when the upstream is an HTTP server. */
    private final StdioBridge stdio;

    private Channel serverChannel;

    /** The production proxy: each request's subject is the one the identity stage verified. */
    public ProxyServer(ProxyConfig config) {
        this(config, AuthenticationHandler.VERIFIED_SUBJECTS);
    }

    /**
     * @param subjects where each request's subject comes from: the identity stage ({@link
     *     AuthenticationHandler#VERIFIED_SUBJECTS}), or in tests a fixed subject
     */
    public ProxyServer(ProxyConfig config, SubjectResolver subjects) {
        this.config = config;
        // First: a rules file that does not load stops the start before any thread exists.
        PatternRuleClassifier rules = maskingRules(config.mask());
        // So do certificate files that do not load: a TLS listener never falls back to plain HTTP.
        TlsSettings.Listener tls = config.tls().listener();
        this.listenerTls = tls == null ? null : new ListenerTls(tls);
        int loops = Math.max(2, Runtime.getRuntime().availableProcessors());
        this.acceptors = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
        this.workers = new MultiThreadIoEventLoopGroup(loops, NioIoHandler.newFactory());
        JsonRpcDecoder decoder = new JsonRpcDecoder(
                config.limits().maxJsonDepth(),
                config.limits().maxStringLength(),
                config.limits().maxBatchSize());
        DeclaredTools declaredTools =
                new DeclaredTools(10_000, toolPins(config.upstream().toolPins()));
        SensitiveDataScanner scanner =
                SensitiveDataScanner.withDefaults(config.mask().internalDomains(), rules);
        TextMasker texts = textMasker(config.mask(), scanner);
        AnswerInspection inspection = inspection(config.mask(), texts, config.audit());
        ClientText clientText = new ClientText(texts);
        this.stdio = config.stdio() == null ? null : StdioBridge.start(config, decoder.mapper(), texts);
        this.upstream = new UpstreamClient(
                stdio == null ? config.upstream() : stdio.asUpstream(config.upstream()),
                config.tls().upstream(),
                loops,
                declaredTools,
                inspection,
                config.limits().maxRewriteBytes(),
                stdio != null && stdio.perSubject());
        HttpAnswers answers = new HttpAnswers(decoder.mapper());
        this.bridge = config.upstream().bridge().legacyServer()
                ? new LegacyBridge(
                        upstream,
                        config.upstream().bridge(),
                        workers,
                        decoder.mapper(),
                        config.limits().maxRewriteBytes())
                : null;
        this.authenticator = new Authenticator(config.auth());
        this.audit = AuditTrail.start(
                config.audit(), config.upstream().url(), config.mcpPath(), inspection.snapshots(), clientText);
        this.quotas = QuotaStore.open(config.quota(), audit.meter());
        Budgets budgets = Budgets.of(config.budgets(), audit.meter());
        PolicyChain policyChain = PolicyChain.of(config, workers, decoder.mapper(), audit, texts);
        this.policy = policyChain.engine();
        MessagePath messagePath = new MessagePath(new MessagePath.Parts(
                config.mcpPath(),
                decoder,
                subjects,
                authenticator,
                new PolicyGate(
                        policy,
                        declaredTools,
                        new ArgumentClassifier(scanner),
                        clientText,
                        new PolicyInputBound(config.limits().arguments())),
                new QuotaGate(quotas),
                upstream,
                answers,
                audit.enabled() ? new TraceContextInjector(decoder.mapper()) : null,
                audit.recordsToolCalls(),
                new Readiness(List.of(
                        new Readiness.Check("policy", policyChain.loaded()),
                        new Readiness.Check(
                                "upstream", stdio != null ? stdio::ready : () -> upstream.reachable(workers.next())),
                        new Readiness.Check("audit spool", audit::spoolWritable))),
                budgets.decisions(),
                bridge,
                requestStates(config.upstream().bridge())));
        this.initializer = new ProxyChannelInitializer(new ProxyChannelInitializer.Parts(
                config.listen(),
                config.limits(),
                config.mcpPath(),
                answers,
                authenticator,
                audit,
                messagePath,
                listenerTls,
                tls == null || tls.clientSubjects().isEmpty() ? null : new ClientCertificates(tls.clientSubjects()),
                budgets));
        this.rulesWatcher = rulesWatcher(config.mask(), rules);
    }

    /** The masking rules: the project's, with {@code mask.rules-file}'s applied; a file that does not load stops the start. */
    private static PatternRuleClassifier maskingRules(ProxyConfig.Mask mask) {
        try {
            return new PatternRuleClassifier(RulesFile.load(mask.rulesFile()));
        } catch (RulesFileException e) {
            throw new IllegalStateException("config key 'mask.rules-file': " + e.getMessage(), e);
        }
    }

    private static RulesFileWatcher rulesWatcher(ProxyConfig.Mask mask, PatternRuleClassifier rules) {
        if (mask.rulesFile() == null) {
            return null;
        }
        try {
            return new RulesFileWatcher(mask.rulesFile(), rules, Duration.ofSeconds(5));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("config key 'mask.rules-file': cannot watch " + mask.rulesFile(), e);
        }
    }

    /** The text masker as configured; without a configured key, a random one for this process. */
    private static TextMasker textMasker(ProxyConfig.Mask mask, SensitiveDataScanner scanner) {
        byte[] key;
        if (mask.hashKey() != null) {
            key = mask.hashKey().reveal().getBytes(StandardCharsets.UTF_8);
        } else {
            key = new byte[32];
            new SecureRandom().nextBytes(key);
            log.atInfo()
                    .addKeyValue("event.name", "mask.hash_key_generated")
                    .log("no mask.hash-key-file or mask.hash-key-env: hashed values use a random key of this"
                            + " process and are not stable across restarts");
        }
        return new TextMasker(scanner, key);
    }

    /** The answer path's masking engine, and the masked snapshots of an audit trail that records tool calls. */
    private static AnswerInspection inspection(ProxyConfig.Mask mask, TextMasker texts, ProxyConfig.Audit audit) {
        JsonMasker masker = new JsonMasker(texts);
        MaskRules rules = new MaskRules(mask.styles());
        MaskedSnapshots snapshots = audit.enabled() && audit.recordToolCalls()
                ? new MaskedSnapshots(masker, rules, audit.recordMaxChars())
                : null;
        return new AnswerInspection(masker, new UpstreamErrorSanitizer(texts), rules, snapshots);
    }

    /** Binds the listen address; returns the bound port (useful when the config asked for port 0). */
    public int start() throws InterruptedException {
        serverChannel = new ServerBootstrap()
                .group(acceptors, workers)
                .channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer)
                .bind(config.listen().host(), config.listen().port())
                .sync()
                .channel();
        int port = ((InetSocketAddress) serverChannel.localAddress()).getPort();
        log.atInfo()
                .addKeyValue("listen", config.listen().host() + ":" + port)
                .addKeyValue("tls", listenerTls != null)
                .addKeyValue("mcp_path", config.mcpPath())
                .addKeyValue("auth", config.auth().mode().name().toLowerCase(java.util.Locale.ROOT))
                .addKeyValue("resource", config.auth().resource())
                .addKeyValue("issuer", config.auth().issuer())
                .addKeyValue("upstream", config.upstream().url())
                .addKeyValue(
                        "opa", config.opa().url() + "/v1/data/" + config.opa().decisionPath())
                .log("proxy listening");
        return port;
    }

    @Override
    public void close() {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
        if (bridge != null) {
            bridge.close(); // before the event loops stop: its sessions are ended at the server on them
        }
        upstream.close();
        if (stdio != null) {
            stdio.close(); // the children end cleanly: stdin closed, a grace period, then terminated
        }
        policy.close();
        quotas.close();
        authenticator.close();
        acceptors.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        workers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        if (rulesWatcher != null) {
            rulesWatcher.close();
        }
        if (listenerTls != null) {
            listenerTls.close();
        }
        audit.close(); // last: every exchange has ended its spans; what is buffered is exported now
    }

    /** Sealed for ten minutes, under the replicas' shared secret when one is configured. */
    private static SealedRequestStates requestStates(ProxyConfig.Bridge era) {
        byte[] secret = era.requestStateKey() == null
                ? null
                : era.requestStateKey().reveal().getBytes(StandardCharsets.UTF_8);
        return new SealedRequestStates(Duration.ofMinutes(10), java.time.Clock.systemUTC(), secret);
    }

    private static ToolPins toolPins(ProxyConfig.ToolPinning pinning) {
        if (pinning.manifest() == null || pinning.mode().equals("off")) {
            return ToolPins.off();
        }
        ToolPins pins = ToolPins.load(
                pinning.manifest(), ToolPins.Mode.valueOf(pinning.mode().toUpperCase(java.util.Locale.ROOT)));
        log.atInfo()
                .addKeyValue("manifest", pinning.manifest())
                .addKeyValue("mode", pinning.mode())
                .log("tool definitions are compared with their pins");
        return pins;
    }
}
