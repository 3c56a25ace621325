package output

import (
	"encoding/json"
	"io"

	"github.com/comply-bot/comply/checks"
)

func writeJSON(w io.Writer, rep *checks.ScanReport) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(rep)
}
