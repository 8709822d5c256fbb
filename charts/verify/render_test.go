// Package verify checks charts/mcpguard without a cluster: every object `helm template` renders, for both
// shapes, is decoded strictly into its Kubernetes API type (an unknown or misspelt field fails), and the
// security invariants the chart promises are asserted on the decoded objects.
package verify

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// rendered holds one `helm template` output, decoded.
type rendered struct {
	deployment      *appsv1.Deployment
	services        []corev1.Service
	networkPolicies []networkingv1.NetworkPolicy
	configMaps      []corev1.ConfigMap
	serviceAccounts []corev1.ServiceAccount
	claims          []corev1.PersistentVolumeClaim
}

func chartDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../mcpguard")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// helm finds the pinned Helm: $HELM (the Maven build passes scripts/tools.sh's), else scripts/tools.sh helm.
func helm(t *testing.T) string {
	t.Helper()
	if path := os.Getenv("HELM"); path != "" {
		return path
	}
	out, err := exec.Command("bash", "../../scripts/tools.sh", "helm").Output()
	if err != nil {
		t.Fatalf("scripts/tools.sh helm failed (no Helm, no test): %v", err)
	}
	return strings.TrimSpace(string(out))
}

func helmTemplate(t *testing.T, args ...string) ([]byte, error) {
	t.Helper()
	cmd := exec.Command(helm(t), append([]string{"template", "guard", chartDir(t), "--namespace", "mcp"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("helm template %v: %v: %s", args, err, stderr.String())
	}
	return out, nil
}

// render runs `helm template` with the given arguments and decodes every document strictly.
func render(t *testing.T, args ...string) rendered {
	t.Helper()
	out, err := helmTemplate(t, args...)
	if err != nil {
		t.Fatal(err)
	}
	var r rendered
	for _, doc := range strings.Split(string(out), "\n---") {
		if strings.TrimSpace(stripComments(doc)) == "" {
			continue
		}
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			t.Fatalf("not YAML: %v\n%s", err, doc)
		}
		kind := meta.APIVersion + "/" + meta.Kind
		switch kind {
		case "apps/v1/Deployment":
			r.deployment = &appsv1.Deployment{}
			strict(t, doc, r.deployment)
		case "v1/Service":
			r.services = append(r.services, corev1.Service{})
			strict(t, doc, &r.services[len(r.services)-1])
		case "networking.k8s.io/v1/NetworkPolicy":
			r.networkPolicies = append(r.networkPolicies, networkingv1.NetworkPolicy{})
			strict(t, doc, &r.networkPolicies[len(r.networkPolicies)-1])
		case "v1/ConfigMap":
			r.configMaps = append(r.configMaps, corev1.ConfigMap{})
			strict(t, doc, &r.configMaps[len(r.configMaps)-1])
		case "v1/ServiceAccount":
			r.serviceAccounts = append(r.serviceAccounts, corev1.ServiceAccount{})
			strict(t, doc, &r.serviceAccounts[len(r.serviceAccounts)-1])
		case "v1/PersistentVolumeClaim":
			r.claims = append(r.claims, corev1.PersistentVolumeClaim{})
			strict(t, doc, &r.claims[len(r.claims)-1])
		default:
			// A kind this test does not know is not checked, so it is refused (a Secret above all:
			// the chart must never render one).
			t.Fatalf("the chart rendered %s, which this test does not decode", kind)
		}
	}
	if r.deployment == nil {
		t.Fatal("the chart rendered no Deployment")
	}
	return r
}

func stripComments(doc string) string {
	var b strings.Builder
	for _, line := range strings.Split(doc, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "#") {
			b.WriteString(line)
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// strict decodes one document into its API type, refusing unknown and duplicate fields.
func strict(t *testing.T, doc string, into any) {
	t.Helper()
	if err := yaml.UnmarshalStrict([]byte(doc), into); err != nil {
		t.Fatalf("strict decode into %T failed: %v\n%s", into, err, doc)
	}
}

var shapes = map[string][]string{
	"bitbucket": {"-f", "../mcpguard/ci/bitbucket-values.yaml"},
	"sidecar":   {"-f", "../mcpguard/ci/sidecar-values.yaml"},
}
