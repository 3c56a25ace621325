package store

import "testing"

func TestScopePlaces(t *testing.T) {
	places := Scope{Places: []Place{{"111", "eu-west-1"}, {"222", "us-east-1"}}}
	tests := []struct {
		name            string
		scope           Scope
		account, region string
		want            bool
	}{
		{"empty scope is everything", Scope{}, "111", "us-east-1", true},
		{"account listed", Scope{Accounts: []string{"111"}}, "111", "us-east-1", true},
		{"account not listed", Scope{Accounts: []string{"111"}}, "222", "us-east-1", false},
		{"region not listed", Scope{Regions: []string{"eu-west-1"}}, "111", "us-east-1", false},
		{"a place", places, "111", "eu-west-1", true},
		{"account of one place, region of another", places, "111", "us-east-1", false},
		{"places and regions both bound", Scope{Regions: []string{"us-east-1"}, Places: places.Places}, "111", "eu-west-1", false},
	}
	for _, tt := range tests {
		if got := tt.scope.Contains(tt.account, tt.region); got != tt.want {
			t.Errorf("%s: Contains(%s, %s) = %v, want %v", tt.name, tt.account, tt.region, got, tt.want)
		}
	}
}
