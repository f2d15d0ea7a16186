package diag

import (
	"bytes"
	"testing"
)

func TestWriteGitHub(t *testing.T) {
	l := List{
		{Severity: Info, Rule: "cross-namespace", Span: Span{File: "a,b:c.net", Start: Pos{1, 1, 0}, End: Pos{1, 5, 4}}, Message: "100% across"},
		{Severity: Error, Span: Span{File: "x.net", Start: Pos{3, 2, 10}, End: Pos{3, 4, 12}}, Message: "dup",
			Related: []Related{{Span: Span{File: "y.net", Start: Pos{1, 9, 8}}, Message: "first declared here"}}},
		{Severity: Error, Span: Span{File: "big.net"}, Message: "file is larger\r\nthan that"},
		{Severity: Error, Message: "no place"},
	}
	var b bytes.Buffer
	if err := WriteGitHub(&b, l); err != nil {
		t.Fatal(err)
	}
	want := "::error title=netc::no place\n" +
		"::notice file=a%2Cb%3Ac.net,line=1,col=1,endLine=1,endColumn=5,title=cross-namespace::100%25 across\n" +
		"::error file=big.net,title=netc::file is larger%0D%0Athan that\n" +
		"::error file=x.net,line=3,col=2,endLine=3,endColumn=4,title=netc::dup%0Ay.net:1:9: first declared here\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
