package login

import (
	"bytes"
	"embed"
	"html/template"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/latchkey-id/latchkey/internal/httpx"
)

//go:embed templates
var templateFiles embed.FS

// pages holds one template set per page, each with the shared layout.
var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{"asset": assetURL}
	out := map[string]*template.Template{}
	for _, name := range []string{"login.html", "consent.html", "enroll.html", "error.html", "signed_out.html", "account.html",
		"recovery.html", "signup.html"} {
		out[name] = template.Must(template.New(name).Funcs(funcs).ParseFS(templateFiles, "templates/layout.html", "templates/"+name))
	}
	return out
}()

// pageBase is what every page template gets: Root is the page's root.
type pageBase struct {
	Root string
}

// render writes a page. The template runs into a buffer first, so a
// template failure becomes a clean error page rather than half a page.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", data); err != nil {
		httpx.Logger(r.Context(), h.logger()).Error("render page", "page", name, "error", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString("<!doctype html><title>Error</title><p>Something went wrong.</p>")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// Roots of our pages: the relative path from a page back to the handler's
// mount point, so that asset and endpoint URLs work under any prefix.
const (
	rootTop    = "./"  // /login, /consent, /signed-out
	rootNested = "../" // /enroll/{token}
)

// page adapts a page handler that returns an error: an *httpx.Error becomes
// a friendly HTML page with its status and description, anything else (and
// a panic) a generic 500 page that shows the request id to quote. root is
// the page's rootTop or rootNested.
func (h *Handler) page(root string, fn func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler { //nolint:errorlint // sentinel panic value, compared as net/http does
					panic(v)
				}
				httpx.Logger(r.Context(), h.logger()).Error("page panicked",
					slog.Any("panic", v), slog.String("stack", string(debug.Stack())))
				h.errorPage(w, r, root, httpx.Internal(nil))
			}
		}()
		if err := fn(w, r); err != nil {
			e := httpx.Classify(err)
			if e.Status >= 500 {
				httpx.Logger(r.Context(), h.logger()).Error("page failed", "error", err.Error())
			}
			h.errorPage(w, r, root, e)
		}
	}
}

type errorPageData struct {
	pageBase
	Status    int
	Message   string
	RequestID string
}

func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, root string, e *httpx.Error) {
	data := errorPageData{pageBase: pageBase{Root: root}, Status: e.Status, Message: e.Description}
	if e.Status >= 500 {
		data.Message = "Something went wrong. Try again in a moment."
		data.RequestID = httpx.RequestIDFrom(r.Context())
	}
	h.render(w, r, e.Status, "error.html", data)
}

// signedOutPage is where the OP sends a browser after a logout that named
// no redirect URI.
func (h *Handler) signedOutPage(w http.ResponseWriter, r *http.Request) error {
	h.render(w, r, http.StatusOK, "signed_out.html", pageBase{Root: rootTop})
	return nil
}
