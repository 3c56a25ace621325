package command

import (
	"errors"
	"testing"
)

func TestParseDone(t *testing.T) {
	tests := []struct {
		in      string
		want    Command
		wantErr string
	}{
		{in: "done access-review", want: Command{Name: Done, Task: "access-review"}},
		{in: "Done Access-Review 20260401t0700z", want: Command{Name: Done, Task: "access-review", Occurrence: "20260401T0700Z"}},
		{in: "done", wantErr: "done needs a calendar task name"},
		{in: "done a b c", wantErr: "done needs a calendar task name"},
		{in: "done <!channel>", wantErr: `"<!channel>" is not a calendar task name`},
		{in: "done access-review tomorrow", wantErr: `"tomorrow" is not an occurrence`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.wantErr != "" {
				var pe *Error
				if !errors.As(err, &pe) || pe.Msg[:min(len(pe.Msg), len(tt.wantErr))] != tt.wantErr || pe.Usage != Usage(Done) {
					t.Fatalf("Parse(%q) = %+v, %v; want error %q with done's usage", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("Parse(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
			// Buttons carry String(): it must parse back to the same command.
			if back, err := Parse(got.String()); err != nil || back != got {
				t.Errorf("round trip %q -> %+v, %v", got.String(), back, err)
			}
		})
	}
}
