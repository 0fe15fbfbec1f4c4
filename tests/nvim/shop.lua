-- Headless Neovim drives the real reflex-django-lsp binary on a copy of
-- fixtures/shop, through the config in editors/nvim/.
--
--   RDJ_LSP_BIN=target/debug/reflex-django-lsp RDJ_SHOP=/tmp/copy/shop \
--   RDJ_REPO=$PWD nvim --headless -u NONE -i NONE -n -c 'luafile tests/nvim/shop_quickfix.lua'
--
-- (tests/nvim/run.sh does the copy and runs this.) Works on Neovim 0.7
-- (Debian 12: `vim.lsp.start_client`), 0.8-0.10 (`vim.lsp.start`) and 0.11+
-- (`vim.lsp.config`/`vim.lsp.enable` with editors/nvim on 'runtimepath';
-- RDJ_NVIM_LEGACY=1 forces the `vim.lsp.start` path there).
--
-- It checks that:
--   1. the client starts with its root at the copy of the shop;
--   2. the diagnostics on shop/states/catalog.py are exactly the
--      `# expect: RDJxxx` markers of that file (line and code), less RDJ302,
--      which the test turns off through the config's `settings` (so settings
--      reach the server);
--   3. the code actions at the RDJ101 line offer the quick fix
--      "Use `await Product.objects.aget()`"; applying its WorkspaceEdit with
--      the client's offset encoding rewrites the buffer line to
--      `await Product.objects.aget(`;
--   4. after that edit (sent as an incremental didChange) the server drops
--      the RDJ101 and keeps the others.
-- Exit code 0 on success; otherwise 1 with "nvim test FAILED: ..." on stderr.

local TIMEOUT_MS = 15000
local IGNORED = 'RDJ302'
local FIX_TITLE = 'Use `await Product.objects.aget()`'

local function out(msg)
  io.stdout:write(msg .. '\n')
  io.stdout:flush()
end

local function lsp_log_tail()
  local ok, path = pcall(vim.lsp.get_log_path)
  if not ok or not path then
    return ''
  end
  local f = io.open(path, 'r')
  if not f then
    return ''
  end
  local lines = {}
  for line in f:lines() do
    lines[#lines + 1] = line
  end
  f:close()
  local from = math.max(1, #lines - 20)
  return '\n--- last lines of ' .. path .. ' ---\n' .. table.concat(lines, '\n', from)
end

local Failure = {}

local function fail(msg)
  error(setmetatable({ msg = msg }, Failure), 0)
end

local function env(name)
  local v = os.getenv(name)
  if v == nil or v == '' then
    fail('environment variable ' .. name .. ' is not set')
  end
  return v
end

local uv = vim.loop or vim.uv

local function realpath(p)
  return uv.fs_realpath(p) or p
end

local function clients_of(bufnr)
  if vim.lsp.get_clients then
    return vim.lsp.get_clients({ bufnr = bufnr, name = 'reflex_django_lsp' })
  end
  local list = {}
  for _, c in pairs(vim.lsp.buf_get_clients(bufnr)) do
    if c.name == 'reflex_django_lsp' then
      list[#list + 1] = c
    end
  end
  return list
end

-- Expected (line, code) pairs from the `# expect:` markers, 0-based lines.
local function expected_markers(lines)
  local expected = {}
  for i, line in ipairs(lines) do
    local codes = line:match('# expect: (.*)$')
    if codes then
      for code in codes:gmatch('RDJ%d+') do
        if code ~= IGNORED then
          expected[(i - 1) .. ':' .. code] = true
        end
      end
    end
  end
  return expected
end

-- The (line, code) set of the buffer's diagnostics, one diagnostic per pair,
-- and how many pairs show more than once (0.10+ keeps pushed and pulled
-- diagnostics in separate namespaces and shows both).
local function actual_diagnostics(bufnr)
  local actual, by_key, repeated = {}, {}, 0
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
    if code then
      local key = d.lnum .. ':' .. tostring(code)
      if actual[key] then
        repeated = repeated + 1
      end
      actual[key] = true
      by_key[key] = d
    end
  end
  return actual, by_key, repeated
end

-- The LSP form of a vim.diagnostic (0.7 keeps only the code in user_data.lsp).
local function lsp_diagnostic(bufnr, d, encoding)
  local full = d.user_data and d.user_data.lsp
  if full and full.range then
    return full
  end
  local function position(lnum, col)
    local text = vim.api.nvim_buf_get_lines(bufnr, lnum, lnum + 1, false)[1] or ''
    col = math.min(col, #text)
    if encoding == 'utf-8' then
      return { line = lnum, character = col }
    end
    local utf32, utf16 = vim.str_utfindex(text, col)
    return { line = lnum, character = encoding == 'utf-32' and utf32 or utf16 }
  end
  return {
    range = {
      start = position(d.lnum, d.col),
      ['end'] = position(d.end_lnum or d.lnum, d.end_col or d.col),
    },
    severity = d.severity,
    code = d.code or (full and full.code),
    source = d.source,
    message = d.message,
  }
end

local function describe(set)
  local keys = vim.tbl_keys(set)
  table.sort(keys, function(a, b)
    local la, lb = tonumber(a:match('^%d+')), tonumber(b:match('^%d+'))
    if la ~= lb then
      return la < lb
    end
    return a < b
  end)
  local shown = {}
  for _, k in ipairs(keys) do
    local line, code = k:match('^(%d+):(.*)$')
    shown[#shown + 1] = code .. '@' .. (tonumber(line) + 1)
  end
  return '{' .. table.concat(shown, ', ') .. '}'
end

local function same_set(a, b)
  for k in pairs(a) do
    if not b[k] then
      return false
    end
  end
  for k in pairs(b) do
    if not a[k] then
      return false
    end
  end
  return true
end

local function main()
  local started = uv.hrtime()
  local bin = realpath(env('RDJ_LSP_BIN'))
  local shop = realpath(env('RDJ_SHOP'))
  local repo = realpath(env('RDJ_REPO'))
  if vim.fn.executable(bin) ~= 1 then
    fail('server binary is not executable: ' .. bin)
  end
  local file = shop .. '/shop/states/catalog.py'
  if vim.fn.filereadable(file) ~= 1 then
    fail('missing fixture file: ' .. file)
  end

  local settings = { reflexDjangoLsp = { ignore = { IGNORED } } }
  -- RDJ_NVIM_LEGACY=1 takes the vim.lsp.start path even on 0.11+.
  local modern = vim.lsp.config ~= nil and vim.lsp.enable ~= nil and (os.getenv('RDJ_NVIM_LEGACY') or '') == ''
  vim.cmd('filetype on')

  if modern then
    -- 0.11+: the config is found as lsp/reflex_django_lsp.lua on 'runtimepath'.
    vim.opt.runtimepath:prepend(repo .. '/editors/nvim')
    vim.lsp.config('reflex_django_lsp', { cmd = { bin, 'server' }, settings = settings })
    vim.lsp.enable('reflex_django_lsp')
    vim.cmd('edit ' .. vim.fn.fnameescape(file))
  else
    vim.cmd('edit ' .. vim.fn.fnameescape(file))
    local config = dofile(repo .. '/editors/nvim/lsp/reflex_django_lsp.lua')
    config.name = 'reflex_django_lsp'
    config.cmd = { bin, 'server' }
    config.root_dir = shop
    config.settings = settings
    if vim.lsp.start then
      vim.lsp.start(config) -- 0.8-0.10
    else
      local id = vim.lsp.start_client(config) -- 0.7
      if not id then
        fail('vim.lsp.start_client returned nil')
      end
      vim.lsp.buf_attach_client(0, id)
    end
  end
  local bufnr = vim.api.nvim_get_current_buf()
  if vim.bo[bufnr].filetype ~= 'python' then
    fail('filetype of catalog.py is ' .. vim.inspect(vim.bo[bufnr].filetype) .. ', not python')
  end
  local v = vim.version()
  local how = modern and 'vim.lsp.config/vim.lsp.enable' or vim.lsp.start and 'vim.lsp.start' or 'vim.lsp.start_client'
  out(string.format('Neovim %d.%d.%d, started with %s', v.major, v.minor, v.patch, how))

  -- 1. The client starts, initializes, and is rooted at the copy.
  local client
  local ok = vim.wait(TIMEOUT_MS, function()
    client = clients_of(bufnr)[1]
    return client ~= nil and client.initialized == true
  end, 20)
  if not ok then
    fail('no initialized reflex_django_lsp client on catalog.py after ' .. TIMEOUT_MS .. ' ms')
  end
  local root = client.config.root_dir and realpath(client.config.root_dir)
  if root ~= shop then
    fail('client root is ' .. tostring(root) .. ', expected ' .. shop)
  end
  local encoding = client.offset_encoding or 'utf-16'
  out('client initialized, root ' .. root .. ', offset encoding ' .. encoding)

  -- 2. The diagnostics are exactly the markers (less the ignored rule).
  local lines = vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)
  local expected = expected_markers(lines)
  if vim.tbl_isempty(expected) then
    fail('no `# expect:` markers in ' .. file)
  end
  local actual, by_key, repeated
  local t0 = uv.hrtime()
  ok = vim.wait(TIMEOUT_MS, function()
    actual, by_key, repeated = actual_diagnostics(bufnr)
    return same_set(actual, expected)
  end, 20)
  if not ok then
    fail('diagnostics on catalog.py after ' .. TIMEOUT_MS .. ' ms: ' .. describe(actual)
      .. ', expected ' .. describe(expected))
  end
  out(string.format('diagnostics match the markers in %.0f ms: %s', (uv.hrtime() - t0) / 1e6, describe(actual)))
  if repeated > 0 then
    -- A client that pulls (0.10+) must not also be pushed to: 0.10+ keeps
    -- pushed and pulled diagnostics in two namespaces and would show both.
    fail(repeated .. ' diagnostic(s) shown twice (pushed and pulled)')
  end

  -- 3. The quick fix for RDJ101.
  local rdj101
  for key, d in pairs(by_key) do
    if key:match(':RDJ101$') then
      rdj101 = d
    end
  end
  if not rdj101 then
    fail('no RDJ101 diagnostic')
  end
  local line_text = lines[rdj101.lnum + 1]
  local lsp_diag = lsp_diagnostic(bufnr, rdj101, encoding)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    range = lsp_diag.range,
    context = { diagnostics = { lsp_diag }, only = { 'quickfix' } },
  }
  -- client.request rather than vim.lsp.buf_request_sync: a clear message on a
  -- timeout (0.7's buf_request_sync can fail inside its own cancel()).
  local done, rerr, result
  local function handler(e, r)
    done, rerr, result = true, e, r
  end
  local sent
  if vim.fn.has('nvim-0.11') == 1 then
    sent = client:request('textDocument/codeAction', params, handler, bufnr)
  else
    sent = client.request('textDocument/codeAction', params, handler, bufnr)
  end
  if not sent then
    fail('could not send textDocument/codeAction (client stopped: ' .. tostring(client:is_stopped()) .. ')')
  end
  local answered, why = vim.wait(TIMEOUT_MS, function()
    return done == true
  end, 10)
  if not answered then
    fail(string.format('no answer to textDocument/codeAction in %d ms (vim.wait: %s, client stopped: %s)',
      TIMEOUT_MS, tostring(why), tostring(client:is_stopped())))
  end
  if rerr then
    fail('textDocument/codeAction error: ' .. vim.inspect(rerr))
  end
  local titles, action = {}, nil
  for _, a in ipairs(result or {}) do
    titles[#titles + 1] = a.title
    if a.title == FIX_TITLE and a.kind == 'quickfix' then
      action = a
    end
  end
  if not action then
    fail('no quickfix titled ' .. FIX_TITLE .. ' among ' .. vim.inspect(titles))
  end
  if not action.edit then
    fail('the quick fix has no WorkspaceEdit: ' .. vim.inspect(action))
  end
  vim.lsp.util.apply_workspace_edit(action.edit, encoding)
  local fixed = vim.api.nvim_buf_get_lines(bufnr, rdj101.lnum, rdj101.lnum + 1, false)[1]
  if not fixed or not fixed:find('await Product.objects.aget(', 1, true) then
    fail('line ' .. (rdj101.lnum + 1) .. ' after the quick fix: ' .. vim.inspect(fixed))
  end
  local expected_line = line_text:gsub('Product%.objects%.get%(', 'await Product.objects.aget(', 1)
  if fixed ~= expected_line then
    fail('line ' .. (rdj101.lnum + 1) .. ' after the quick fix is ' .. vim.inspect(fixed)
      .. ', expected ' .. vim.inspect(expected_line))
  end
  if vim.api.nvim_buf_line_count(bufnr) ~= #lines then
    fail('the quick fix changed the line count: ' .. #lines .. ' -> ' .. vim.api.nvim_buf_line_count(bufnr))
  end
  out('quick fix applied (' .. encoding .. '): ' .. vim.trim(fixed))

  -- 4. The edit reaches the server: the RDJ101 goes, the rest stays.
  local after = vim.deepcopy(expected)
  after[rdj101.lnum .. ':RDJ101'] = nil
  ok = vim.wait(TIMEOUT_MS, function()
    actual = actual_diagnostics(bufnr)
    return same_set(actual, after)
  end, 20)
  if not ok then
    fail('diagnostics after the quick fix: ' .. describe(actual) .. ', expected ' .. describe(after))
  end
  out('diagnostics after the fix: ' .. describe(actual))

  vim.lsp.stop_client(client.id)
  vim.wait(5000, function()
    return client:is_stopped()
  end, 20)
  out(string.format('ok in %.1f s', (uv.hrtime() - started) / 1e9))
end

local ok, e = xpcall(main, function(e)
  if getmetatable(e) == Failure then
    return e
  end
  return debug.traceback(tostring(e), 2)
end)
if ok then
  vim.cmd('qall!')
else
  local msg = getmetatable(e) == Failure and e.msg or tostring(e)
  io.stderr:write('nvim test FAILED: ' .. msg .. lsp_log_tail() .. '\n')
  io.stderr:flush()
  vim.cmd('cquit 1')
end
