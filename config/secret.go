package config

import (
	"encoding/json"
	"log/slog"
)

// Secret is a credential from the config file or the environment. It never
// prints: String, fmt verbs, JSON and slog all show <redacted>. Use Value to
// read it.
type Secret string

const redacted = "<redacted>"

// Value returns the secret itself.
func (s Secret) Value() string { return string(s) }

// IsSet reports whether the secret is non-empty.
func (s Secret) IsSet() bool { return s != "" }

func (s Secret) String() string   { return redacted }
func (s Secret) GoString() string { return redacted }

// LogValue keeps secrets out of structured logs.
func (s Secret) LogValue() slog.Value { return slog.StringValue(redacted) }

// MarshalJSON keeps secrets out of JSON dumps of the config.
func (s Secret) MarshalJSON() ([]byte, error) { return json.Marshal(redacted) }

// MarshalText covers encoders that prefer text (YAML, flags).
func (s Secret) MarshalText() ([]byte, error) { return []byte(redacted), nil }
