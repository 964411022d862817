// Renders Ollama Modelfile TEMPLATEs with Go's text/template, the engine Ollama renders them with: one JSON
// object {"template": …, "messages": [{"role": …, "content": …}, …]} per stdin line, one {"text": …} or
// {"error": …} per stdout line. Built and run by tests/python/test_ollama_template.py.
package main

import (
	"bufio"
	"encoding/json"
	"os"
	"strings"
	"text/template"
)

type message struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type request struct {
	Template string    `json:"template"`
	Messages []message `json:"messages"`
}

func render(r request) map[string]string {
	parsed, err := template.New("TEMPLATE").Parse(r.Template)
	if err != nil {
		return map[string]string{"error": err.Error()}
	}
	var text strings.Builder
	if err := parsed.Execute(&text, map[string]any{"Messages": r.Messages}); err != nil {
		return map[string]string{"error": err.Error()}
	}
	return map[string]string{"text": text.String()}
}

func main() {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 1<<26)
	out := json.NewEncoder(os.Stdout)
	for in.Scan() {
		var r request
		if err := json.Unmarshal(in.Bytes(), &r); err != nil {
			out.Encode(map[string]string{"error": err.Error()})
			continue
		}
		out.Encode(render(r))
	}
}
