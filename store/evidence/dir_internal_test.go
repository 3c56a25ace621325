package evidence

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// A corrupt day file with one enormous line is refused once the limit is
// passed, without reading the whole line into memory (a line of gigabytes
// would otherwise take the server down at its next append).
func TestDirHugeLineIsNotReadWhole(t *testing.T) {
	dir := t.TempDir()
	const huge = 48 << 20
	f, err := os.Create(filepath.Join(dir, "2026-03-01.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	chunk := []byte(strings.Repeat("x", 1<<20))
	for range huge >> 20 {
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	d := &dirBackend{path: dir, lineLimit: 4 << 10}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, herr := d.head(context.Background())
	serr := d.scan(context.Background(), func(Position, []byte) error { return nil })
	runtime.ReadMemStats(&after)
	for _, err := range []error{herr, serr} {
		if err == nil || !strings.Contains(err.Error(), "line longer than 4096 bytes") {
			t.Errorf("read = %v, want the line refused", err)
		}
	}
	if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
		t.Errorf("reading allocated %d MB for a line it refuses, want < 4 MB", got>>20)
	}
}
