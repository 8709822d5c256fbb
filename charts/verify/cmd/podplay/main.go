// Command podplay turns `helm template` output into what `podman kube play` (podman 4.3) can run: the
// Deployment's pod template as a Pod, its ConfigMaps, and Secrets given as name=file arguments.
//
// What podman 4.3 cannot play is changed here, and only that: native sidecars (initContainers with
// restartPolicy: Always, Kubernetes 1.29+) are unknown to it — it would run them as init containers to
// completion and never start the server — so they become ordinary containers, in the same order.
//
// A test may add a container the chart does not make (-extra FILE, one Container in YAML), e.g. a stand-in for
// the service the MCP server talks to.
//
//	helm template ... | podplay [-extra container.yaml] [secret-name=key=path ...] > pod.yaml
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

func main() {
	extra := flag.String("extra", "", "a file holding one more Container (YAML) to add to the pod")
	secretsDir := flag.String("secrets-dir", "", "write each Secret as NAME.json here (for podman secret create) instead of into the output")
	flag.Parse()
	if err := run(os.Stdin, os.Stdout, *extra, *secretsDir, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "podplay:", err)
		os.Exit(1)
	}
}

func run(in io.Reader, out io.Writer, extra, secretsDir string, secretArgs []string) error {
	data, err := io.ReadAll(bufio.NewReader(in))
	if err != nil {
		return err
	}
	var docs []any
	var pod *corev1.Pod
	for _, doc := range strings.Split(string(data), "\n---") {
		var meta metav1.TypeMeta
		if err := yaml.Unmarshal([]byte(doc), &meta); err != nil {
			return err
		}
		switch meta.Kind {
		case "Deployment":
			var d appsv1.Deployment
			if err := yaml.UnmarshalStrict([]byte(doc), &d); err != nil {
				return err
			}
			pod = &corev1.Pod{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
				ObjectMeta: metav1.ObjectMeta{Name: d.Name, Labels: d.Spec.Template.Labels},
				Spec:       d.Spec.Template.Spec,
			}
		case "ConfigMap":
			var cm corev1.ConfigMap
			if err := yaml.UnmarshalStrict([]byte(doc), &cm); err != nil {
				return err
			}
			docs = append(docs, cm)
		}
	}
	if pod == nil {
		return fmt.Errorf("no Deployment in the input")
	}
	var sidecars, inits []corev1.Container
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			c.RestartPolicy = nil
			sidecars = append(sidecars, c)
		} else {
			inits = append(inits, c)
		}
	}
	pod.Spec.InitContainers = inits
	pod.Spec.Containers = append(sidecars, pod.Spec.Containers...)
	pod.Spec.RestartPolicy = corev1.RestartPolicyNever
	// podman 4.3 dereferences a secret volume's optional flag without checking it is set.
	for i := range pod.Spec.Volumes {
		if s := pod.Spec.Volumes[i].Secret; s != nil && s.Optional == nil {
			required := false
			s.Optional = &required
		}
	}
	if extra != "" {
		text, err := os.ReadFile(extra)
		if err != nil {
			return err
		}
		var c corev1.Container
		if err := yaml.UnmarshalStrict(text, &c); err != nil {
			return fmt.Errorf("%s: %w", extra, err)
		}
		pod.Spec.Containers = append(pod.Spec.Containers, c)
	}
	secrets := map[string]*corev1.Secret{}
	for _, arg := range secretArgs {
		parts := strings.SplitN(arg, "=", 3)
		if len(parts) != 3 {
			return fmt.Errorf("secret argument %q is not name=key=path", arg)
		}
		value, err := os.ReadFile(parts[2])
		if err != nil {
			return err
		}
		s, ok := secrets[parts[0]]
		if !ok {
			s = &corev1.Secret{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Secret"},
				ObjectMeta: metav1.ObjectMeta{Name: parts[0]},
				Data:       map[string][]byte{},
			}
			secrets[parts[0]] = s
			if secretsDir == "" {
				docs = append(docs, s)
			}
		}
		s.Data[parts[1]] = value
	}
	// podman 4.3 stores a Secret given in the played YAML as YAML but reads secret volumes as a Kubernetes
	// Secret in JSON, so such secrets are made beforehand (podman secret create) from these files. It also
	// ignores a secret volume's items (each key becomes a file of its own name), so the keys are renamed to
	// the paths the items ask for.
	paths := map[string]map[string]string{}
	for _, v := range pod.Spec.Volumes {
		if v.Secret == nil {
			continue
		}
		for _, item := range v.Secret.Items {
			if paths[v.Secret.SecretName] == nil {
				paths[v.Secret.SecretName] = map[string]string{}
			}
			paths[v.Secret.SecretName][item.Key] = item.Path
		}
	}
	for name, s := range secrets {
		if secretsDir == "" {
			break
		}
		// Values as plain strings under "data": podman 4.3 writes a secret volume's file from the JSON string
		// as it is, without the base64 decoding the API type implies.
		data := map[string]string{}
		for k, v := range s.Data {
			if path, ok := paths[name][k]; ok {
				k = path
			}
			data[k] = string(v)
		}
		text, err := json.Marshal(map[string]any{
			"apiVersion": "v1", "kind": "Secret", "metadata": map[string]string{"name": name}, "data": data,
		})
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(secretsDir, name+".json"), text, 0o600); err != nil {
			return err
		}
	}
	// podman 4.3 fails to read a secret named by an env secretKeyRef ("not valid JSON: illegal base64 data",
	// whatever the encoding), so those values are set literally in the played pod.
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			for j, e := range list[i].Env {
				if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
					continue
				}
				ref := e.ValueFrom.SecretKeyRef
				s, ok := secrets[ref.Name]
				if !ok {
					return fmt.Errorf("env %s names secret %s, which was not given", e.Name, ref.Name)
				}
				list[i].Env[j] = corev1.EnvVar{Name: e.Name, Value: string(s.Data[ref.Key])}
			}
		}
	}
	docs = append(docs, pod)
	for _, d := range docs {
		text, err := yaml.Marshal(d)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "---\n%s", text)
	}
	return nil
}
