-- Drives `netc lsp` with Neovim's built-in LSP client (Neovim 0.7 API), headless:
--   NETC=path/to/netc ROOT=dir OUT=file nvim --headless -u NONE -c 'luafile test.lua'
-- ROOT holds a copy of examples/shop. Each step writes lines to OUT, which
-- lsp/nvim_test.go compares with its expectations; a failed step writes "FAIL ...".
local netc, root, out = os.getenv('NETC'), os.getenv('ROOT'), os.getenv('OUT')
local lines = {}
local function put(s) table.insert(lines, s) end

local function rel(uri) return (vim.uri_to_fname(uri):gsub('^' .. vim.pesc(root) .. '/', '')) end
local function range(r) return string.format('%d:%d-%d:%d', r.start.line, r.start.character, r['end'].line, r['end'].character) end

local function main()
  local id = vim.lsp.start_client({ name = 'netc', cmd = { netc, 'lsp' }, root_dir = root,
    flags = { debounce_text_changes = 0 } })
  assert(id, 'start_client failed')
  local client = vim.lsp.get_client_by_id(id)
  vim.cmd('edit ' .. root .. '/shop.net')
  local buf = vim.api.nvim_get_current_buf()
  vim.lsp.buf_attach_client(buf, id)
  assert(vim.wait(10000, function() return client.initialized end), 'the client did not initialize')
  put('encoding ' .. client.offset_encoding)
  local uri = vim.uri_from_bufnr(buf)
  local function request(method, params)
    local res, err = vim.lsp.buf_request_sync(buf, method, params, 10000)
    assert(res, 'no response to ' .. method .. ': ' .. tostring(err))
    local r = res[id]
    local e = r.error or r.err
    if e then return nil, e end
    return r.result
  end
  local function at(line, char)
    return { textDocument = { uri = uri }, position = { line = line, character = char } }
  end
  local function diagnostics(b)
    local out = {}
    for _, d in ipairs(vim.diagnostic.get(b)) do
      local lsp = d.user_data and d.user_data.lsp or {}
      local s = string.format('diag %d:%d-%d:%d %s %s [%s]', d.lnum, d.col, d.end_lnum, d.end_col,
        vim.diagnostic.severity[d.severity], d.message, lsp.code or '')
      if lsp.codeDescription then s = s .. ' ' .. lsp.codeDescription.href end
      for _, ri in ipairs(lsp.relatedInformation or {}) do
        s = s .. ' | ' .. rel(ri.location.uri) .. ' ' .. range(ri.location.range) .. ' ' .. ri.message
      end
      table.insert(out, s)
    end
    table.sort(out)
    return out
  end
  -- wait_diags waits until pred holds of the errors and warnings, and their number (infos,
  -- such as cross-namespace, come and go with them), then prints every diagnostic.
  local function wait_diags(b, pred, what)
    local function l() return vim.diagnostic.get(b, { severity = { min = vim.diagnostic.severity.WARN } }) end
    local ok = vim.wait(10000, function() return pred(#l(), l()) end, 20)
    if not ok then put('FAIL waiting for ' .. what) end
    for _, s in ipairs(diagnostics(b)) do put(s) end
  end

  -- 1. Introduce an error: a port the target does not declare.
  vim.api.nvim_buf_set_lines(buf, 25, 26, true, { 'frontend -> backend:htp' })
  put('-- error')
  wait_diags(buf, function(n) return n > 0 end, 'the error')
  -- and one after non-ASCII and astral characters (Neovim columns are bytes).
  vim.api.nvim_buf_set_lines(buf, 25, 26, true, { '"é😀" -> "😀x":80 # 😀' })
  put('-- non-ascii')
  vim.wait(10000, function()
    local d = vim.diagnostic.get(buf); return #d == 1 and d[1].message:find('😀') ~= nil
  end, 20)
  for _, s in ipairs(diagnostics(buf)) do put(s) end
  -- Fixed again; then a rule's finding, with its id and documentation link.
  vim.api.nvim_buf_set_lines(buf, 25, 26, true, { 'frontend -> backend:http' })
  vim.api.nvim_buf_set_lines(buf, 28, 29, true, { 'worker -> backend' })
  put('-- warning')
  wait_diags(buf, function(n, l) return n == 1 and l[1].severity == vim.diagnostic.severity.WARN end, 'the warning')
  vim.api.nvim_buf_set_lines(buf, 28, 29, true, { 'worker -> backend:http' })
  put('-- fixed')
  wait_diags(buf, function(n) return n == 0 end, 'no diagnostics')

  -- 2. Hover on backend in `frontend -> backend:http`.
  put('-- hover')
  local h = request('textDocument/hover', at(25, 14))
  put('range ' .. range(h.range))
  for _, l in ipairs(vim.split(h.contents.value, '\n')) do put(l) end

  -- 3. Go to definition: of backend, and of the named port http.
  put('-- definition')
  for _, p in ipairs({ { 25, 14 }, { 25, 21 } }) do
    local locs = request('textDocument/definition', at(p[1], p[2]))
    for _, l in ipairs(locs) do put(rel(l.uri) .. ' ' .. range(l.range)) end
  end
  -- Neovim's own command jumps there.
  vim.api.nvim_win_set_cursor(0, { 29, 12 })
  vim.lsp.buf.definition()
  vim.wait(5000, function() return vim.api.nvim_win_get_cursor(0)[1] ~= 29 end, 20)
  local cur = vim.api.nvim_win_get_cursor(0)
  put(string.format('jumped to %d:%d', cur[1], cur[2]))

  -- 4. Rename backend to api, across files; then a refused rename.
  put('-- rename')
  local edit = request('textDocument/rename', { textDocument = { uri = uri }, position = { line = 25, character = 14 }, newName = 'api' })
  local files = {}
  for u, _ in pairs(edit.changes) do table.insert(files, rel(u)) end
  table.sort(files)
  put('files ' .. table.concat(files, ' '))
  vim.lsp.util.apply_workspace_edit(edit, client.offset_encoding)
  for _, name in ipairs(files) do
    local b = vim.fn.bufnr(root .. '/' .. name)
    -- The renamed buffers join the session, as an autostarted client attaches them.
    vim.lsp.buf_attach_client(b, id)
    for i, l in ipairs(vim.api.nvim_buf_get_lines(b, 0, -1, true)) do
      if l:find('api') and not l:find('tier=api') then put(string.format('%s:%d %s', name, i, l)) end
    end
  end
  local _, err = request('textDocument/rename', { textDocument = { uri = uri }, position = { line = 25, character = 14 }, newName = 'orders' })
  put('refused: ' .. (err and err.message or 'nothing'))
  put('-- after rename')
  wait_diags(buf, function(n) return n == 0 end, 'no diagnostics after the rename')

  -- 5. Format a badly spaced line.
  put('-- format')
  vim.api.nvim_buf_set_lines(buf, 28, 29, true, { 'worker->api:http   ;  world   ->frontend:https' })
  vim.lsp.buf.formatting_sync(nil, 10000)
  for _, l in ipairs(vim.api.nvim_buf_get_lines(buf, 27, 31, true)) do put(l) end

  vim.lsp.stop_client(id)
  vim.wait(5000, function() return vim.lsp.get_client_by_id(id) == nil end, 20)
end

local ok, err = pcall(main)
if not ok then put('FAIL ' .. tostring(err)) end
vim.fn.writefile(lines, out)
vim.cmd('qa!')
