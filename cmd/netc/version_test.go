package main

import (
	"runtime/debug"
	"testing"
)

func TestVersionFrom(t *testing.T) {
	for _, tc := range []struct {
		main     string
		settings map[string]string
		want     string
	}{
		{"v1.2.3", nil, "1.2.3"},
		{"v0.4.0-rc.1", nil, "0.4.0-rc.1"},
		{"v1.2.4-0.20260101120000-4907c14a1b2c", nil, "1.2.4-0.20260101120000-4907c14a1b2c"},
		{"(devel)", map[string]string{"vcs.revision": "4907c14a1b2c3d4e5f60718293a4b5c6d7e8f901", "vcs.modified": "false"}, "0.0.0-dev+4907c14a1b2c"},
		{"(devel)", map[string]string{"vcs.revision": "4907c14a1b2c3d4e5f60718293a4b5c6d7e8f901", "vcs.modified": "true"}, "0.0.0-dev+4907c14a1b2c.dirty"},
		{"(devel)", nil, "0.0.0-dev"},
		{"", nil, "0.0.0-dev"},
	} {
		bi := &debug.BuildInfo{Main: debug.Module{Version: tc.main}}
		for k, v := range tc.settings {
			bi.Settings = append(bi.Settings, debug.BuildSetting{Key: k, Value: v})
		}
		if got := versionFrom(bi); got != tc.want {
			t.Errorf("%s %v: %q, want %q", tc.main, tc.settings, got, tc.want)
		}
	}
}
