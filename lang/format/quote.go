package format

// Name is v as the formatter prints a name: bare when the lexer reads it back as the
// same name and it is not a reserved word, else in double quotes with `"` and `\`
// escaped. Programs that write netc source (netc import) quote with it.
func Name(v string) string { return quote(v, false) }
