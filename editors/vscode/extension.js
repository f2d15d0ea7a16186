// The netc extension: the language (grammar, comments, brackets) and a language
// client that starts `netc lsp` (docs/editors.md describes what the server does).
'use strict';
const vscode = require('vscode');
const { LanguageClient } = require('vscode-languageclient/node');

let client;

function activate(context) {
  const command = vscode.workspace.getConfiguration('netc').get('path') || 'netc';
  client = new LanguageClient('netc', 'netc', { command, args: ['lsp'] }, {
    documentSelector: [{ scheme: 'file', language: 'netc' }],
    synchronize: {
      // Files created, changed or deleted outside the editor join the program.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/{*.net,netc.hcl}'),
    },
  });
  context.subscriptions.push({ dispose: () => client && client.stop() });
  return client.start();
}

function deactivate() {
  return client ? client.stop() : undefined;
}

module.exports = { activate, deactivate };
