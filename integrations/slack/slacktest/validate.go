package slacktest

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"
)

// ValidateBlocks checks Block Kit JSON against the limits Slack enforces
// (and answers invalid_blocks for): at most 50 blocks, unique block ids,
// text lengths, button and field counts, unique action ids per block.
func ValidateBlocks(raw json.RawMessage) error {
	var blocks []map[string]any
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return fmt.Errorf("blocks are not a JSON array of objects: %w", err)
	}
	if len(blocks) > 50 {
		return fmt.Errorf("%d blocks, at most 50", len(blocks))
	}
	ids := map[string]bool{}
	for i, b := range blocks {
		if err := validateBlock(b, ids); err != nil {
			return fmt.Errorf("block %d: %w", i, err)
		}
	}
	return nil
}

func validateBlock(b map[string]any, ids map[string]bool) error {
	if id, ok := b["block_id"].(string); ok {
		if id == "" || len(id) > 255 {
			return errors.New("block_id empty or longer than 255")
		}
		if ids[id] {
			return fmt.Errorf("duplicate block_id %q", id)
		}
		ids[id] = true
	}
	switch b["type"] {
	case "header":
		return textObject(b["text"], 150, true)
	case "section":
		text, hasText := b["text"]
		fields, hasFields := b["fields"].([]any)
		if !hasText && !hasFields {
			return errors.New("section without text or fields")
		}
		if hasText {
			if err := textObject(text, 3000, false); err != nil {
				return err
			}
		}
		if len(fields) > 10 {
			return fmt.Errorf("%d fields, at most 10", len(fields))
		}
		for _, f := range fields {
			if err := textObject(f, 2000, false); err != nil {
				return fmt.Errorf("field: %w", err)
			}
		}
		if acc, ok := b["accessory"].(map[string]any); ok {
			return element(acc, map[string]bool{})
		}
	case "context":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > 10 {
			return fmt.Errorf("context with %d elements, want 1-10", len(els))
		}
		for _, e := range els {
			if err := textObject(e, 3000, false); err != nil {
				return err
			}
		}
	case "actions":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > 25 {
			return fmt.Errorf("actions with %d elements, want 1-25", len(els))
		}
		actionIDs := map[string]bool{}
		for _, e := range els {
			m, ok := e.(map[string]any)
			if !ok {
				return errors.New("action element is not an object")
			}
			if err := element(m, actionIDs); err != nil {
				return err
			}
		}
	case "divider", "input", "image", "rich_text":
	default:
		return fmt.Errorf("unknown block type %v", b["type"])
	}
	return nil
}

func element(e map[string]any, actionIDs map[string]bool) error {
	id, _ := e["action_id"].(string)
	if len(id) > 255 {
		return errors.New("action_id longer than 255")
	}
	if id != "" {
		if actionIDs[id] {
			return fmt.Errorf("duplicate action_id %q", id)
		}
		actionIDs[id] = true
	}
	if e["type"] != "button" {
		return nil
	}
	if err := textObject(e["text"], 75, true); err != nil {
		return fmt.Errorf("button: %w", err)
	}
	if v, _ := e["value"].(string); utf8.RuneCountInString(v) > 2000 {
		return errors.New("button value longer than 2000")
	}
	if c, ok := e["confirm"].(map[string]any); ok {
		for k, limit := range map[string]int{"title": 100, "text": 300, "confirm": 30, "deny": 30} {
			if _, present := c[k]; present || k != "deny" {
				if err := textObject(c[k], limit, k != "text"); err != nil {
					return fmt.Errorf("confirm %s: %w", k, err)
				}
			}
		}
	}
	return nil
}

func textObject(v any, limit int, plainOnly bool) error {
	t, ok := v.(map[string]any)
	if !ok {
		return errors.New("text is not an object")
	}
	typ, _ := t["type"].(string)
	text, _ := t["text"].(string)
	switch {
	case typ != "plain_text" && typ != "mrkdwn":
		return fmt.Errorf("text type %q", typ)
	case plainOnly && typ != "plain_text":
		return errors.New("text must be plain_text")
	case text == "":
		return errors.New("empty text")
	case utf8.RuneCountInString(text) > limit:
		return fmt.Errorf("text of %d characters, at most %d", utf8.RuneCountInString(text), limit)
	case typ == "mrkdwn" && t["emoji"] != nil:
		return errors.New("emoji is not allowed in mrkdwn")
	}
	return nil
}
