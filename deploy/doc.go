// Package deploy holds no code: it is the home of the deployment files
// (prometheus/rules.yaml, grafana/comply.json, kubernetes/*.yaml) and of the
// tests that check them against the metrics comply really exports.
package deploy
