package store_test

import (
	"testing"

	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/storetest"
)

func TestMemoryContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T, opts store.Options) store.Store {
		s, err := store.NewMemory(nil, opts)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
