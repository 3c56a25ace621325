package bot

import (
	"context"
	"testing"
	"time"

	"github.com/comply-bot/comply/bot/route"
	"github.com/comply-bot/comply/integrations/jira"
	"github.com/comply-bot/comply/integrations/jira/jiratest"
	"github.com/comply-bot/comply/store"
	"github.com/comply-bot/comply/store/redistest"
)

// testRedis opens the test Redis (redistest) under a fresh prefix and
// returns the store and a func that wipes the prefix's keys, as an operator
// flushing Redis would. Without Redis the test is skipped, or fails under
// CI=true.
func testRedis(t *testing.T, now func() time.Time) (store.Store, func()) {
	t.Helper()
	url := redistest.URL(t)
	prefix := redistest.Prefix(t, url, "comply-test")
	st, err := store.OpenRedis(context.Background(), url, store.Options{Prefix: prefix, Now: now})
	if err != nil {
		t.Fatalf("Redis: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st, func() { redistest.Wipe(t, url, prefix) }
}

func TestDeliveryRedisWipeFilesNoSecondJiraIssue(t *testing.T) {
	fakeJira := jiratest.NewCloud("bot@example.com", "jira-token")
	defer fakeJira.Close()
	jr, err := jira.New(jira.Config{URL: fakeJira.URL, Email: "bot@example.com", APIToken: "jira-token", Project: "SEC"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now().UTC().Truncate(time.Millisecond)}
	st, wipe := testRedis(t, clk.now)
	h := newDH(t, dhOptions{
		store:     st,
		clock:     clk,
		routes:    &route.Route{Receivers: []string{"chat", "sec-jira"}},
		receivers: []Receiver{{Name: "chat", Channel: channel}, {Name: "sec-jira", Notifier: NewTicketNotifier(jr, "Jira", jr.BrowseURL)}},
	})
	f := dhFinding("r-critical", "a")
	creates := func() int {
		n := 0
		for _, c := range fakeJira.Calls() {
			if c.Method == "POST" && c.Path == "/rest/api/2/issue" {
				n++
			}
		}
		return n
	}
	h.scan(f)
	if len(fakeJira.Issues()) != 1 || creates() != 1 {
		t.Fatalf("%d issues after the first scan", len(fakeJira.Issues()))
	}
	key := fakeJira.Issues()[0].Key
	if r := h.record(f.Fingerprint, "sec-jira"); r.Ref != key {
		t.Errorf("jira record %+v, want ref %s", r, key)
	}
	mustContain(t, "finding message", text(h.fake.Messages(channel)[0]), "Jira "+key, fakeJira.URL+"/browse/"+key)

	// Redis is wiped: the finding is new again, and Jira finds its issue by
	// label instead of filing a second one.
	wipe()
	h.clock.advance(time.Minute)
	h.scan(f)
	if len(fakeJira.Issues()) != 1 || creates() != 1 {
		t.Errorf("%d issues, %d creates after the wipe: want the one issue", len(fakeJira.Issues()), creates())
	}
	if r := h.record(f.Fingerprint, "sec-jira"); r.Ref != key {
		t.Errorf("jira record after the wipe %+v, want ref %s", r, key)
	}
	if h.announcedAt(f.Fingerprint).IsZero() {
		t.Error("not announced after the wipe")
	}
}

// A digest group's record (its last send) expires: twice the group
// interval, at least a day.
func TestDigestGroupRecordExpires(t *testing.T) {
	yes := true
	clk := &clock{t: time.Now().UTC().Truncate(time.Millisecond)}
	st, _ := testRedis(t, clk.now)
	h := newDH(t, dhOptions{
		store: st, clock: clk,
		routes: &route.Route{Receivers: []string{"chat"}, Children: []*route.Route{
			{Name: "hourly", Matchers: []route.Matcher{mustMatcher(t, "<=low")}, Receivers: []string{"digest"}, Digest: &yes, GroupInterval: time.Hour},
			{Name: "weekly", Receivers: []string{"digest"}, Digest: &yes, GroupInterval: 7 * 24 * time.Hour},
		}},
		receivers: []Receiver{{Name: "chat", Channel: channel}, {Name: "digest", Channel: "C0DIGEST1"}},
	})
	if ann := h.scan(dhFinding("r-low", "a"), dhFinding("r-critical", "b")); ann.digested != 2 {
		t.Fatalf("digested %d, want 2", ann.digested)
	}
	rdb := redistest.Client(t)
	ctx := context.Background()
	for group, want := range map[string]time.Duration{"root/hourly{}": 24 * time.Hour, "root/weekly{}": 14 * 24 * time.Hour} {
		key := st.(*store.Redis).Prefix() + "dlv:" + groupFingerprint(group)
		ttl, err := rdb.PTTL(ctx, key).Result()
		if err != nil {
			t.Fatal(err)
		}
		if ttl <= want-time.Minute || ttl > want {
			t.Errorf("%s (%s): TTL %v, want about %v", group, key, ttl, want)
		}
	}
}

func mustMatcher(t *testing.T, severity string) route.Matcher {
	t.Helper()
	m, err := route.NewMatcher(route.FieldSeverity, severity)
	if err != nil {
		t.Fatal(err)
	}
	return m
}
