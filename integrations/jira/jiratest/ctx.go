package jiratest

import (
	"context"
	"net/http"
)

func contextWith(r *http.Request, body map[string]any) context.Context {
	return context.WithValue(r.Context(), bodyKey{}, body)
}

func bodyOf(r *http.Request) map[string]any {
	b, _ := r.Context().Value(bodyKey{}).(map[string]any)
	return b
}
