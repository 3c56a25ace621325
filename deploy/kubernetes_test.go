package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/comply-bot/comply/config"
)

type objectMeta struct {
	Name      string            `yaml:"name"`
	Namespace string            `yaml:"namespace"`
	Labels    map[string]string `yaml:"labels"`
}

// manifest is one Kubernetes object: the header, and the parts of the kinds
// these files use that the test looks at.
type manifest struct {
	file       string
	APIVersion string            `yaml:"apiVersion"`
	Kind       string            `yaml:"kind"`
	Metadata   objectMeta        `yaml:"metadata"`
	Data       map[string]string `yaml:"data"`
	StringData map[string]string `yaml:"stringData"`
	Resources  []string          `yaml:"resources"` // Kustomization
	Spec       struct {
		Replicas int           `yaml:"replicas"`
		Selector labelSelector `yaml:"selector"` // Deployment, PodDisruptionBudget; Service: see ServiceSelector
		Template struct {
			Metadata objectMeta `yaml:"metadata"`
			Spec     podSpec    `yaml:"spec"`
		} `yaml:"template"`
		Ports []struct {
			Name       string `yaml:"name"`
			Port       int    `yaml:"port"`
			TargetPort any    `yaml:"targetPort"`
		} `yaml:"ports"`
		MinAvailable any `yaml:"minAvailable"`
	} `yaml:"spec"`
}

// labelSelector is a workload's {matchLabels: …} or a Service's plain map.
type labelSelector struct {
	MatchLabels map[string]string
	Plain       map[string]string
}

func (s *labelSelector) UnmarshalYAML(unmarshal func(any) error) error {
	var m map[string]any
	if err := unmarshal(&m); err != nil {
		return err
	}
	if ml, ok := m["matchLabels"].(map[string]any); ok {
		s.MatchLabels = map[string]string{}
		for k, v := range ml {
			s.MatchLabels[k], _ = v.(string)
		}
		return nil
	}
	s.Plain = map[string]string{}
	for k, v := range m {
		s.Plain[k], _ = v.(string)
	}
	return nil
}

type podSpec struct {
	ServiceAccountName            string           `yaml:"serviceAccountName"`
	AutomountServiceAccountToken  *bool            `yaml:"automountServiceAccountToken"`
	TerminationGracePeriodSeconds int              `yaml:"terminationGracePeriodSeconds"`
	SecurityContext               *securityContext `yaml:"securityContext"`
	Containers                    []container      `yaml:"containers"`
	Volumes                       []struct {
		Name      string `yaml:"name"`
		ConfigMap *struct {
			Name string `yaml:"name"`
		} `yaml:"configMap"`
		EmptyDir *struct {
			SizeLimit string `yaml:"sizeLimit"`
		} `yaml:"emptyDir"`
	} `yaml:"volumes"`
}

type container struct {
	Name  string   `yaml:"name"`
	Image string   `yaml:"image"`
	Args  []string `yaml:"args"`
	Ports []struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	} `yaml:"ports"`
	Env []struct {
		Name  string `yaml:"name"`
		Value string `yaml:"value"`
	} `yaml:"env"`
	EnvFrom []struct {
		SecretRef *struct {
			Name string `yaml:"name"`
		} `yaml:"secretRef"`
	} `yaml:"envFrom"`
	StartupProbe   *probe `yaml:"startupProbe"`
	LivenessProbe  *probe `yaml:"livenessProbe"`
	ReadinessProbe *probe `yaml:"readinessProbe"`
	Resources      struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext *securityContext `yaml:"securityContext"`
	VolumeMounts    []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port any    `yaml:"port"`
	} `yaml:"httpGet"`
}

type securityContext struct {
	RunAsNonRoot             *bool  `yaml:"runAsNonRoot"`
	RunAsUser                *int64 `yaml:"runAsUser"`
	ReadOnlyRootFilesystem   *bool  `yaml:"readOnlyRootFilesystem"`
	AllowPrivilegeEscalation *bool  `yaml:"allowPrivilegeEscalation"`
	Capabilities             *struct {
		Drop []string `yaml:"drop"`
	} `yaml:"capabilities"`
	SeccompProfile *struct {
		Type string `yaml:"type"`
	} `yaml:"seccompProfile"`
}

const kubeDir = "kubernetes"

// readManifests decodes every document of every kubernetes/*.yaml file.
func readManifests(t *testing.T) []manifest {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(kubeDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", kubeDir, err)
	}
	var out []manifest
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var m manifest
			err := dec.Decode(&m)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			if m.Kind == "" {
				continue // an empty document
			}
			m.file = filepath.Base(f)
			if m.APIVersion == "" || (m.Metadata.Name == "" && m.Kind != "Kustomization") {
				t.Errorf("%s: %s without apiVersion or metadata.name", f, m.Kind)
			}
			out = append(out, m)
		}
	}
	return out
}

func TestKubernetesManifests(t *testing.T) {
	all := readManifests(t)
	byKind := map[string][]manifest{}
	for _, m := range all {
		byKind[m.Kind] = append(byKind[m.Kind], m)
		if m.Kind != "Namespace" && m.Kind != "Kustomization" && m.Metadata.Namespace != "comply" {
			t.Errorf("%s %s: namespace %q, want comply", m.Kind, m.Metadata.Name, m.Metadata.Namespace)
		}
	}
	one := func(kind string) manifest {
		t.Helper()
		if len(byKind[kind]) != 1 {
			t.Fatalf("want one %s, have %d", kind, len(byKind[kind]))
		}
		return byKind[kind][0]
	}
	dep, secret, cm, svc, pdb := one("Deployment"), one("Secret"), one("ConfigMap"), one("Service"), one("PodDisruptionBudget")

	podLabels := dep.Spec.Template.Metadata.Labels
	subset := func(what string, sel map[string]string) {
		t.Helper()
		if len(sel) == 0 {
			t.Errorf("%s: empty selector", what)
		}
		for k, v := range sel {
			if podLabels[k] != v {
				t.Errorf("%s: selector %s=%s does not match the pod labels %v", what, k, v, podLabels)
			}
		}
	}
	subset("Deployment", dep.Spec.Selector.MatchLabels)
	subset("Service", svc.Spec.Selector.Plain)
	subset("PodDisruptionBudget", pdb.Spec.Selector.MatchLabels)
	if dep.Spec.Replicas < 2 {
		t.Errorf("Deployment: %d replicas, want at least 2", dep.Spec.Replicas)
	}
	if fmt.Sprint(pdb.Spec.MinAvailable) != "1" {
		t.Errorf("PodDisruptionBudget: minAvailable %v, want 1", pdb.Spec.MinAvailable)
	}

	pod := dep.Spec.Template.Spec
	if len(pod.Containers) != 1 {
		t.Fatalf("Deployment: %d containers, want 1", len(pod.Containers))
	}
	c := pod.Containers[0]
	checkSecurity(t, pod.SecurityContext, c.SecurityContext)
	if pod.AutomountServiceAccountToken == nil || *pod.AutomountServiceAccountToken {
		t.Error("pod: automountServiceAccountToken must be false (comply does not use the Kubernetes API)")
	}
	if pod.TerminationGracePeriodSeconds < 30 {
		t.Errorf("terminationGracePeriodSeconds %d: serve drains for 25 s, want >= 30", pod.TerminationGracePeriodSeconds)
	}
	if !strings.HasPrefix(c.Image, "comply:") || !slices.Equal(c.Args, []string{"serve"}) {
		t.Errorf("container: image %q args %q, want comply:TAG and [serve]", c.Image, c.Args)
	}
	for _, r := range []string{"cpu", "memory"} {
		if c.Resources.Requests[r] == "" || c.Resources.Limits[r] == "" {
			t.Errorf("container: want requests and limits for %s", r)
		}
	}

	// Ports and probes: every probe is an HTTP GET on the 8080 port.
	ports := map[string]int{}
	for _, p := range c.Ports {
		ports[p.Name] = p.ContainerPort
	}
	port := func(p any) int {
		switch v := p.(type) {
		case string:
			return ports[v]
		case uint64:
			return int(v)
		case int64:
			return int(v)
		case int:
			return v
		}
		return 0
	}
	for name, want := range map[string]struct {
		p    *probe
		path string
	}{"startupProbe": {c.StartupProbe, "/healthz"}, "livenessProbe": {c.LivenessProbe, "/healthz"}, "readinessProbe": {c.ReadinessProbe, "/readyz"}} {
		if want.p == nil || want.p.HTTPGet == nil {
			t.Errorf("container: no %s httpGet", name)
			continue
		}
		if g := want.p.HTTPGet; g.Path != want.path || port(g.Port) != 8080 {
			t.Errorf("%s: GET %s on port %v (%d), want %s on 8080", name, g.Path, g.Port, port(g.Port), want.path)
		}
	}
	if len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 8080 || port(svc.Spec.Ports[0].TargetPort) != 8080 {
		t.Errorf("Service: ports %+v, want 8080 to the container's 8080", svc.Spec.Ports)
	}

	// Environment: the Secret as envFrom, the config from the ConfigMap.
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	if len(c.EnvFrom) != 1 || c.EnvFrom[0].SecretRef == nil || c.EnvFrom[0].SecretRef.Name != secret.Metadata.Name {
		t.Errorf("container: want envFrom the Secret %s", secret.Metadata.Name)
	}
	mounts := map[string]string{} // volume -> mount path
	for _, m := range c.VolumeMounts {
		mounts[m.Name] = m.MountPath
	}
	var configMount string
	emptyDirs := map[string]bool{}
	for _, v := range pod.Volumes {
		if _, ok := mounts[v.Name]; !ok {
			t.Errorf("volume %s is not mounted", v.Name)
		}
		if v.ConfigMap != nil && v.ConfigMap.Name == cm.Metadata.Name {
			configMount = mounts[v.Name]
		}
		if v.EmptyDir != nil {
			emptyDirs[mounts[v.Name]] = true
		}
	}
	if configMount == "" || env["COMPLY_CONFIG"] != path.Join(configMount, "comply.yaml") {
		t.Errorf("COMPLY_CONFIG = %q, want comply.yaml in the ConfigMap mount %q", env["COMPLY_CONFIG"], configMount)
	}
	if !emptyDirs["/tmp"] {
		t.Error("the root file system is read-only: want an emptyDir on /tmp")
	}

	// The ConfigMap's comply.yaml passes comply's own validation.
	cfgText, ok := cm.Data["comply.yaml"]
	if !ok {
		t.Fatalf("ConfigMap: no comply.yaml key, have %v", slices.Collect(maps.Keys(cm.Data)))
	}
	cfg, err := config.Parse("configmap.yaml:comply.yaml", []byte(cfgText), func(string) string { return "" })
	if err != nil {
		t.Errorf("ConfigMap comply.yaml: %v", err)
	} else if cfg.Slack.Channel == "" {
		t.Error("ConfigMap comply.yaml: no slack.channel (serve needs one)")
	}

	// The Secret holds placeholders only, as stringData (base64 data could hide a real value).
	if len(secret.Data) > 0 {
		t.Error("Secret: use stringData placeholders, not data")
	}
	for _, k := range []string{"SLACK_BOT_TOKEN", "REDIS_URL"} {
		if _, ok := secret.StringData[k]; !ok {
			t.Errorf("Secret: no %s", k)
		}
	}
	if secret.StringData["SLACK_APP_TOKEN"] == "" && secret.StringData["SLACK_SIGNING_SECRET"] == "" {
		t.Error("Secret: want SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)")
	}
	for k, v := range secret.StringData {
		if !strings.Contains(v, "REPLACE_ME") {
			t.Errorf("Secret: %s = %q is not a REPLACE_ME placeholder", k, v)
		}
	}

	// The kustomization lists every other manifest.
	kust := one("Kustomization")
	var files []string
	for _, m := range all {
		if m.Kind != "Kustomization" && !slices.Contains(files, m.file) {
			files = append(files, m.file)
		}
	}
	slices.Sort(files)
	if got := slices.Sorted(slices.Values(kust.Resources)); !slices.Equal(got, files) {
		t.Errorf("kustomization resources %v, want %v", got, files)
	}
}

// checkSecurity wants the restricted Pod Security Standard and more: non-root
// uid 65532 (the distroless nonroot user of the Dockerfile), a read-only root
// file system, no privilege escalation, no capabilities, the runtime's
// seccomp profile. Pod-level settings count where Kubernetes inherits them.
func checkSecurity(t *testing.T, pod, c *securityContext) {
	t.Helper()
	if c == nil {
		t.Fatal("container: no securityContext")
	}
	if pod == nil {
		pod = &securityContext{}
	}
	isTrue := func(b *bool) bool { return b != nil && *b }
	if !isTrue(c.RunAsNonRoot) && !isTrue(pod.RunAsNonRoot) {
		t.Error("runAsNonRoot is not true")
	}
	uid := c.RunAsUser
	if uid == nil {
		uid = pod.RunAsUser
	}
	if uid == nil || *uid != 65532 {
		t.Errorf("runAsUser %v, want 65532", uid)
	}
	if !isTrue(c.ReadOnlyRootFilesystem) {
		t.Error("container: readOnlyRootFilesystem is not true")
	}
	if c.AllowPrivilegeEscalation == nil || *c.AllowPrivilegeEscalation {
		t.Error("container: allowPrivilegeEscalation is not false")
	}
	if c.Capabilities == nil || !slices.Equal(c.Capabilities.Drop, []string{"ALL"}) {
		t.Error("container: capabilities.drop is not [ALL]")
	}
	sp := c.SeccompProfile
	if sp == nil {
		sp = pod.SeccompProfile
	}
	if sp == nil || sp.Type != "RuntimeDefault" {
		t.Error("seccompProfile is not RuntimeDefault")
	}
}
