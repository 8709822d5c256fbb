package verify

import (
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"sigs.k8s.io/yaml"
)

func TestBothShapesDecodeStrictlyAndKeepTheInvariants(t *testing.T) {
	for shape, args := range shapes {
		t.Run(shape, func(t *testing.T) {
			r := render(t, args...)
			pod := r.deployment.Spec.Template.Spec
			assertRestricted(t, pod)
			assertOnlyProxyPortExposed(t, r)
			assertNativeSidecars(t, pod, true)
			assertProbes(t, pod, true)
			assertVolumesResolve(t, pod)
			assertUpstreamOnLoopback(t, r)
			if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
				t.Error("the pod mounts a service account token it never uses")
			}
			for _, sa := range r.serviceAccounts {
				if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
					t.Errorf("service account %s automounts its token", sa.Name)
				}
			}
			main := pod.Containers
			if len(main) != 1 {
				t.Fatalf("want one MCP server container, got %d", len(main))
			}
			want := map[string]string{"bitbucket": "bitbucket-core", "sidecar": "server"}[shape]
			if main[0].Name != want {
				t.Errorf("the MCP server container is %q, want %q", main[0].Name, want)
			}
		})
	}
}

func TestTheInProcessEngineRunsNoOpaSidecar(t *testing.T) {
	r := render(t, append(shapes["sidecar"], "--set", "policy.engine=wasm")...)
	pod := r.deployment.Spec.Template.Spec
	if container(pod.InitContainers, "opa") != nil {
		t.Fatal("policy.engine=wasm still runs an OPA sidecar")
	}
	assertNativeSidecars(t, pod, false)
	assertProbes(t, pod, false)
	assertRestricted(t, pod)
	proxy := container(pod.InitContainers, "proxy")
	if !slices.ContainsFunc(proxy.VolumeMounts, func(m corev1.VolumeMount) bool { return m.Name == "policy-bundle" }) {
		t.Error("the in-process engine's proxy has no policy bundle mounted")
	}
	cfg := proxyConfig(t, r)
	if cfg["policy"] == nil || cfg["opa"] != nil {
		t.Errorf("the proxy configuration does not select the in-process engine: %v", cfg)
	}
}

func TestSecretsComeFromSecretsOnly(t *testing.T) {
	for shape, args := range shapes {
		t.Run(shape, func(t *testing.T) {
			r := render(t, args...)
			pod := r.deployment.Spec.Template.Spec
			secretVolumes := map[string]bool{}
			for _, v := range pod.Volumes {
				if v.Secret != nil {
					secretVolumes[v.Name] = true
				}
			}
			cfg := proxyConfig(t, r)
			// Every credential file the proxy is told to read lies on a mounted Secret.
			proxy := container(pod.InitContainers, "proxy")
			for _, path := range credentialPaths(cfg) {
				if !mountedFromSecret(proxy, secretVolumes, path) {
					t.Errorf("credential file %s is not on a Secret volume", path)
				}
			}
			if len(credentialPaths(cfg)) < 2 {
				t.Errorf("the CI values name secrets, yet the proxy reads only %v", credentialPaths(cfg))
			}
			for _, c := range append(pod.InitContainers, pod.Containers...) {
				for _, e := range c.Env {
					upper := strings.ToUpper(e.Name)
					if (strings.Contains(upper, "TOKEN") || strings.Contains(upper, "KEY") ||
						strings.Contains(upper, "PASSWORD") || strings.Contains(upper, "SECRET")) &&
						!strings.HasSuffix(upper, "_FILE") && (e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil) {
						t.Errorf("%s: env %s is not taken from a Secret", c.Name, e.Name)
					}
				}
			}
		})
	}
}

func TestTheSchemaRefusesBadValues(t *testing.T) {
	cases := map[string][]string{
		"root user":                     {"-f", "../mcpguard/ci/bitbucket-values.yaml", "--set", "runAsUser=0"},
		"unknown key":                   {"-f", "../mcpguard/ci/bitbucket-values.yaml", "--set", "proxy.prot=1"},
		"unknown shape":                 {"--set", "shape=gateway"},
		"bitbucket without credentials": {"--set", "shape=bitbucket"},
		"sidecar without an image":      {"--set", "shape=sidecar"},
		"configMap bundle without name": {"-f", "../mcpguard/ci/bitbucket-values.yaml", "--set", "policy.bundle.source=configMap"},
		"wasm without a bundle":         {"-f", "../mcpguard/ci/bitbucket-values.yaml", "--set", "policy.engine=wasm"},
		"TLS without a certificate":     {"-f", "../mcpguard/ci/bitbucket-values.yaml", "--set", "proxy.tls.enabled=true"},
	}
	for name, args := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := helmTemplate(t, args...); err == nil {
				t.Fatalf("helm template accepted %v", args)
			} else if !strings.Contains(err.Error(), "values don't meet the specifications of the schema") {
				t.Fatalf("refused, but not by the schema: %v", err)
			}
		})
	}
}

func assertRestricted(t *testing.T, pod corev1.PodSpec) {
	t.Helper()
	psc := pod.SecurityContext
	if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
		t.Error("pod: runAsNonRoot is not set")
	}
	if psc == nil || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
		t.Error("pod: no non-root runAsUser")
	}
	if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
		t.Error("pod: seccomp profile is not RuntimeDefault")
	}
	if pod.HostNetwork || pod.HostPID || pod.HostIPC {
		t.Error("pod: shares a host namespace")
	}
	for _, c := range append(pod.InitContainers, pod.Containers...) {
		sc := c.SecurityContext
		switch {
		case sc == nil:
			t.Errorf("%s: no securityContext", c.Name)
			continue
		case sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot:
			t.Errorf("%s: runAsNonRoot is not true", c.Name)
		case sc.RunAsUser != nil && *sc.RunAsUser == 0:
			t.Errorf("%s: runs as root", c.Name)
		case sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem:
			t.Errorf("%s: root filesystem is writable", c.Name)
		case sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation:
			t.Errorf("%s: privilege escalation allowed", c.Name)
		case sc.Privileged != nil && *sc.Privileged:
			t.Errorf("%s: privileged", c.Name)
		case sc.Capabilities == nil || !slices.Equal(sc.Capabilities.Drop, []corev1.Capability{"ALL"}) ||
			len(sc.Capabilities.Add) > 0:
			t.Errorf("%s: capabilities are not exactly drop ALL", c.Name)
		case sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault:
			t.Errorf("%s: seccomp profile is not RuntimeDefault", c.Name)
		}
	}
}

func assertOnlyProxyPortExposed(t *testing.T, r rendered) {
	t.Helper()
	pod := r.deployment.Spec.Template.Spec
	proxy := container(pod.InitContainers, "proxy")
	if proxy == nil || len(proxy.Ports) != 1 || proxy.Ports[0].Name != "mcp" {
		t.Fatal("the proxy does not declare exactly its one port, named mcp")
	}
	proxyPort := proxy.Ports[0].ContainerPort
	for _, c := range append(pod.InitContainers, pod.Containers...) {
		if c.Name != "proxy" && len(c.Ports) > 0 {
			t.Errorf("%s declares ports %v; only the proxy may", c.Name, c.Ports)
		}
		for _, p := range c.Ports {
			if p.HostPort != 0 {
				t.Errorf("%s binds host port %d", c.Name, p.HostPort)
			}
		}
	}
	if len(r.services) != 1 {
		t.Fatalf("want one Service, got %d", len(r.services))
	}
	ports := r.services[0].Spec.Ports
	if len(ports) != 1 || ports[0].TargetPort != intstr.FromString("mcp") {
		t.Errorf("the Service exposes %v, not the proxy port alone", ports)
	}
	if len(r.networkPolicies) != 1 {
		t.Fatalf("want one NetworkPolicy, got %d", len(r.networkPolicies))
	}
	np := r.networkPolicies[0].Spec
	if !slices.Contains(np.PolicyTypes, "Ingress") || len(np.Ingress) != 1 || len(np.Ingress[0].Ports) != 1 ||
		np.Ingress[0].Ports[0].Port == nil || np.Ingress[0].Ports[0].Port.IntValue() != int(proxyPort) {
		t.Errorf("the NetworkPolicy admits more than the proxy port %d: %+v", proxyPort, np)
	}
	selector := r.deployment.Spec.Template.Labels
	for k, v := range np.PodSelector.MatchLabels {
		if selector[k] != v {
			t.Errorf("the NetworkPolicy does not select the pod (%s=%s)", k, v)
		}
	}
}

func assertNativeSidecars(t *testing.T, pod corev1.PodSpec, withOpa bool) {
	t.Helper()
	names := []string{}
	for _, c := range pod.InitContainers {
		names = append(names, c.Name)
		if c.RestartPolicy == nil || *c.RestartPolicy != corev1.ContainerRestartPolicyAlways {
			t.Errorf("init container %s is not a native sidecar (restartPolicy: Always)", c.Name)
		}
	}
	want := []string{"proxy"}
	if withOpa {
		// OPA first: the proxy starts with a policy to ask, and stops before it.
		want = []string{"opa", "proxy"}
	}
	if !slices.Equal(names, want) {
		t.Errorf("sidecars %v, want %v in this order", names, want)
	}
	for _, c := range pod.Containers {
		if c.RestartPolicy != nil {
			t.Errorf("%s is a main container with a restartPolicy", c.Name)
		}
	}
}

func assertProbes(t *testing.T, pod corev1.PodSpec, withOpa bool) {
	t.Helper()
	proxy := container(pod.InitContainers, "proxy")
	if proxy == nil {
		t.Fatal("no proxy sidecar")
	}
	probePath := func(p *corev1.Probe) string {
		if p == nil || p.HTTPGet == nil {
			return ""
		}
		return p.HTTPGet.Path
	}
	if got := probePath(proxy.LivenessProbe); got != "/healthz" {
		t.Errorf("proxy liveness probe %q, want /healthz", got)
	}
	if got := probePath(proxy.ReadinessProbe); got != "/readyz" {
		t.Errorf("proxy readiness probe %q, want /readyz", got)
	}
	if proxy.ReadinessProbe != nil && proxy.ReadinessProbe.HTTPGet.Port != intstr.FromString("mcp") {
		t.Errorf("proxy readiness probe on port %v, want mcp", proxy.ReadinessProbe.HTTPGet.Port)
	}
	// The kubelet sends the pod's IP as Host unless told otherwise; the proxy refuses a Host not on
	// listen.allowed-hosts, so every proxy probe must name an allowed one.
	for name, p := range map[string]*corev1.Probe{
		"startup": proxy.StartupProbe, "liveness": proxy.LivenessProbe, "readiness": proxy.ReadinessProbe,
	} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("proxy %s probe is missing", name)
			continue
		}
		if !slices.ContainsFunc(p.HTTPGet.HTTPHeaders, func(h corev1.HTTPHeader) bool {
			return h.Name == "Host" && h.Value == "localhost"
		}) {
			t.Errorf("proxy %s probe sends the pod IP as Host, which the proxy refuses", name)
		}
	}
	opa := container(pod.InitContainers, "opa")
	if withOpa && (opa == nil || opa.LivenessProbe == nil || opa.ReadinessProbe == nil) {
		t.Error("the OPA sidecar lacks liveness or readiness probes")
	}
}

func assertVolumesResolve(t *testing.T, pod corev1.PodSpec) {
	t.Helper()
	volumes := map[string]bool{}
	for _, v := range pod.Volumes {
		volumes[v.Name] = true
	}
	for _, c := range append(pod.InitContainers, pod.Containers...) {
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				t.Errorf("%s mounts volume %s, which the pod does not define", c.Name, m.Name)
			}
		}
	}
	proxy := container(pod.InitContainers, "proxy")
	if proxy != nil && !slices.ContainsFunc(proxy.VolumeMounts, func(m corev1.VolumeMount) bool {
		return m.MountPath == "/var/lib/mcpguard/audit-spool" && !m.ReadOnly
	}) {
		t.Error("the proxy has no writable audit spool at /var/lib/mcpguard/audit-spool")
	}
}

func assertUpstreamOnLoopback(t *testing.T, r rendered) {
	t.Helper()
	cfg := proxyConfig(t, r)
	upstream, _ := cfg["upstream"].(map[string]any)
	if url, _ := upstream["url"].(string); !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Errorf("the proxy's upstream %q is not on loopback", url)
	}
	if opa, ok := cfg["opa"].(map[string]any); ok {
		if url, _ := opa["url"].(string); !strings.HasPrefix(url, "http://127.0.0.1:") {
			t.Errorf("the proxy asks OPA at %q, not on loopback", url)
		}
	}
	pod := r.deployment.Spec.Template.Spec
	if core := container(pod.Containers, "bitbucket-core"); core != nil {
		i := slices.Index(core.Args, "--host")
		if i < 0 || i+1 >= len(core.Args) || core.Args[i+1] != "127.0.0.1" {
			t.Errorf("the Bitbucket core does not bind loopback: %v", core.Args)
		}
	}
	if opa := container(pod.InitContainers, "opa"); opa != nil && !slices.ContainsFunc(opa.Args, func(a string) bool {
		return strings.HasPrefix(a, "--addr=127.0.0.1:")
	}) {
		t.Errorf("OPA does not answer decisions on loopback only: %v", opa.Args)
	}
}

func proxyConfig(t *testing.T, r rendered) map[string]any {
	t.Helper()
	for _, cm := range r.configMaps {
		if text, ok := cm.Data["mcpguard.yaml"]; ok {
			var cfg map[string]any
			if err := yaml.Unmarshal([]byte(text), &cfg); err != nil {
				t.Fatalf("the proxy configuration is not YAML: %v\n%s", err, text)
			}
			return cfg
		}
	}
	t.Fatal("no ConfigMap carries mcpguard.yaml")
	return nil
}

// credentialPaths lists the credential files the proxy configuration names.
func credentialPaths(cfg map[string]any) []string {
	var paths []string
	get := func(section string, keys ...string) {
		m, _ := cfg[section].(map[string]any)
		for i, k := range keys {
			if i == len(keys)-1 {
				if s, _ := m[k].(string); s != "" {
					paths = append(paths, s)
				}
				return
			}
			m, _ = m[k].(map[string]any)
		}
	}
	get("auth", "api-keys", "file")
	get("upstream", "credential-file")
	get("mask", "hash-key-file")
	get("audit", "subject-hash-key-file")
	get("upstream", "request-state-key-file")
	return paths
}

func mountedFromSecret(c *corev1.Container, secretVolumes map[string]bool, path string) bool {
	for _, m := range c.VolumeMounts {
		if secretVolumes[m.Name] && strings.HasPrefix(path, m.MountPath+"/") {
			return true
		}
	}
	return false
}

func container(cs []corev1.Container, name string) *corev1.Container {
	for i := range cs {
		if cs[i].Name == name {
			return &cs[i]
		}
	}
	return nil
}

func TestListenerTlsUsesTheMountedSecretAndHttpsProbes(t *testing.T) {
	r := render(t, append(shapes["sidecar"], "--set", "proxy.tls.enabled=true", "--set", "proxy.tls.secretName=proxy-tls")...)
	pod := r.deployment.Spec.Template.Spec
	secretVolumes := map[string]bool{}
	for _, v := range pod.Volumes {
		if v.Secret != nil {
			secretVolumes[v.Name] = true
		}
	}
	proxy := container(pod.InitContainers, "proxy")
	listen, _ := proxyConfig(t, r)["listen"].(map[string]any)
	tls, _ := listen["tls"].(map[string]any)
	if tls == nil || tls["enabled"] != true {
		t.Fatalf("proxy.tls.enabled does not turn on listen.tls: %v", listen)
	}
	for _, key := range []string{"cert-file", "key-file"} {
		path, _ := tls[key].(string)
		if path == "" || !mountedFromSecret(proxy, secretVolumes, path) {
			t.Errorf("listen.tls.%s %q is not on the mounted TLS Secret", key, path)
		}
	}
	for name, probe := range map[string]*corev1.Probe{"startup": proxy.StartupProbe, "liveness": proxy.LivenessProbe, "readiness": proxy.ReadinessProbe} {
		if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Scheme != corev1.URISchemeHTTPS {
			t.Errorf("the proxy's %s probe does not speak HTTPS to a TLS listener", name)
		}
	}
}
