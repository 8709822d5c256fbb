package io.mcpguard.proxy.transport;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mcpguard.proxy.audit.AuditTrail;
import io.mcpguard.proxy.config.ProxyConfig;
import io.mcpguard.proxy.mask.JsonMasker;
import io.mcpguard.proxy.mask.MaskRules;
import io.mcpguard.proxy.mask.MaskedSnapshots;
import io.mcpguard.proxy.mask.TextMasker;
import io.mcpguard.proxy.policy.CachingPolicyEngine;
import io.mcpguard.proxy.policy.OpaPolicyEngine;
import io.mcpguard.proxy.policy.PolicyEngine;
import io.mcpguard.proxy.policy.RecordingPolicyEngine;
import io.mcpguard.proxy.policy.ShadowPolicyEngine;
import io.mcpguard.proxy.policy.WasmPolicyEngine;
import io.netty.channel.EventLoopGroup;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy engine the message path asks, assembled from the config, innermost first: the engine itself (OPA over
 * REST, or the Wasm bundle in process), timed by the audit trail, behind the decision cache, beside a shadow policy
 * that is never enforced, and recorded for {@code mcpguard replay}.
 *
 * @param engine what the decide stage asks
 * @param loaded completes once the engine holds a policy: the readiness check's "policy"
 */
record PolicyChain(PolicyEngine engine, Supplier<CompletableFuture<Void>> loaded) {
    private static final Logger log = LoggerFactory.getLogger(PolicyChain.class);

    static PolicyChain of(
            ProxyConfig config, EventLoopGroup workers, ObjectMapper mapper, AuditTrail audit, TextMasker texts) {
        PolicyEngine engine;
        Supplier<CompletableFuture<String>> revision;
        Supplier<CompletableFuture<Void>> loaded;
        if (config.policy().engine() == ProxyConfig.Policy.Engine.WASM) {
            WasmPolicyEngine wasm =
                    new WasmPolicyEngine(config.policy(), config.opa().decisionPath(), mapper);
            engine = wasm;
            revision = wasm::currentRevision;
            loaded = () -> CompletableFuture.completedFuture(null); // it started with a bundle or not at all
        } else {
            OpaPolicyEngine opa = new OpaPolicyEngine(config.opa(), workers, mapper);
            engine = opa;
            revision = opa::currentRevision;
            loaded = opa::policyLoaded;
        }
        PolicyEngine decided = cached(config.policyCache(), audit.measured(engine), revision, workers);
        if (decided instanceof CachingPolicyEngine cache) {
            audit.watchDecisionCache(cache);
        }
        decided = shadowed(config, decided, workers, mapper, audit);
        decided = recorded(config, decided, texts);
        return new PolicyChain(decided, loaded);
    }

    private static PolicyEngine cached(
            ProxyConfig.PolicyCache cache,
            PolicyEngine engine,
            Supplier<CompletableFuture<String>> revision,
            EventLoopGroup workers) {
        if (cache.maxEntries() == 0) {
            return engine;
        }
        return new CachingPolicyEngine(
                engine, cache.maxEntries(), cache.maxTtl(), cache.revisionCheckInterval(), revision, workers.next());
    }

    private static PolicyEngine shadowed(
            ProxyConfig config, PolicyEngine enforced, EventLoopGroup workers, ObjectMapper mapper, AuditTrail audit) {
        ProxyConfig.Shadow shadow = config.shadow();
        if (shadow.decisionPath() == null) {
            return enforced;
        }
        ProxyConfig.Opa opa = config.opa();
        ProxyConfig.Opa candidate = new ProxyConfig.Opa(
                opa.url(), shadow.decisionPath(), opa.timeout(), opa.maxConnections(), opa.maxPendingDecisions());
        PolicyEngine both = new ShadowPolicyEngine(
                enforced,
                new OpaPolicyEngine(candidate, workers, mapper),
                shadow.samplePercent(),
                shadow.maxConcurrent(),
                audit.meter());
        log.atInfo()
                .addKeyValue("decision_path", shadow.decisionPath())
                .addKeyValue("sample_percent", shadow.samplePercent())
                .log("shadow mode: a candidate policy decides beside the enforced one, never enforced");
        return both;
    }

    private static PolicyEngine recorded(ProxyConfig config, PolicyEngine decided, TextMasker texts) {
        ProxyConfig.Recording recording = config.recording();
        if (recording.file() == null) {
            return decided;
        }
        MaskedSnapshots masked = new MaskedSnapshots(
                new JsonMasker(texts), new MaskRules(config.mask().styles()), Integer.MAX_VALUE);
        PolicyEngine recorder = new RecordingPolicyEngine(
                decided,
                recording.file(),
                recording.maxBytes(),
                recording.maxAge(),
                Clock.systemUTC(),
                recording.arguments().equals("hashed")
                        ? RecordingPolicyEngine::hashed
                        : sent -> masked.masked(sent, null));
        log.atInfo()
                .addKeyValue("file", recording.file())
                .addKeyValue("arguments", recording.arguments())
                .log("policy inputs and decisions are recorded for mcpguard replay");
        return recorder;
    }
}
