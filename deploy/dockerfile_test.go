package deploy

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

// The image is a static binary on a distroless base, run as the non-root
// uid the Kubernetes manifests expect; Docker is not needed to check that.
func TestDockerfile(t *testing.T) {
	b, err := os.ReadFile("../Dockerfile")
	if err != nil {
		t.Fatal(err)
	}
	var froms, users []string
	var body []string
	for _, l := range strings.Split(string(b), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		body = append(body, l)
		if f, ok := strings.CutPrefix(l, "FROM "); ok {
			froms = append(froms, f)
		}
		if u, ok := strings.CutPrefix(l, "USER "); ok {
			users = append(users, u)
		}
	}
	text := strings.Join(body, "\n")
	if len(froms) < 2 {
		t.Fatalf("FROM lines %q: want a build stage and a runtime stage", froms)
	}
	if final := froms[len(froms)-1]; !strings.HasPrefix(final, "gcr.io/distroless/static") || !strings.Contains(final, ":nonroot") {
		t.Errorf("runtime base %q: want distroless/static, nonroot", final)
	}
	if len(users) == 0 || users[len(users)-1] != "65532:65532" {
		t.Errorf("USER %q: want 65532:65532 (the manifests' runAsUser)", users)
	}
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`CGO_ENABLED=0 `),
		regexp.MustCompile(`-trimpath`),
		regexp.MustCompile(`-ldflags "-s -w -X main\.version=`),
		regexp.MustCompile(`(?m)^COPY --from=build /out/comply /usr/local/bin/comply$`),
		regexp.MustCompile(`(?m)^ENTRYPOINT \["/usr/local/bin/comply"\]$`),
		regexp.MustCompile(`(?m)^EXPOSE 8080$`),
	} {
		if !want.MatchString(text) {
			t.Errorf("Dockerfile lacks %s", want)
		}
	}
}
