-- reflex-django-lsp for Neovim 0.7 (Debian 12's 0.7.2): `vim.lsp.start_client`
-- and `vim.lsp.buf_attach_client`, root via `findfile`/`finddir` (0.7 has no
-- `vim.lsp.start` and no `vim.fs`). Neovim 0.8-0.10: nvim_0_8.lua beside this;
-- 0.11+: lsp/reflex_django_lsp.lua.
--
-- With this repository's editors/nvim folder on 'runtimepath':
--
--   vim.opt.runtimepath:append('/path/to/reflex-django-lsp/editors/nvim')
--   require('reflex_django_lsp.nvim_0_7').setup()
--
-- or copy this file anywhere and load it by path:
--
--   dofile('/path/to/nvim_0_7.lua').setup()
--
-- `setup` takes the same fields as the 0.11+ config; each one given replaces
-- the default:
--
--   require('reflex_django_lsp.nvim_0_7').setup({
--     cmd = { vim.fn.expand('~/.cargo/bin/reflex-django-lsp'), 'server' },
--     settings = { reflexDjangoLsp = { ignore = { 'RDJ301' }, unsafeFixes = true } },
--   })
--
-- Settings use the keys of the config file in camelCase (see
-- editors/nvim/README.md); they are sent as `initializationOptions` (unless
-- `init_options` is given) and through `workspace/didChangeConfiguration`.

local M = {}

M.defaults = {
  name = 'reflex_django_lsp',
  cmd = { 'reflex-django-lsp', 'server' },
  filetypes = { 'python' },
  root_markers = { 'pyproject.toml', 'rxconfig.py', 'manage.py', 'setup.cfg', '.git' },
  settings = {},
}

-- One client per project root: root folder -> client id.
local clients = {}

-- `path` without a trailing slash, absolute.
local function absolute(path)
  local full = vim.fn.fnamemodify(path, ':p')
  if #full > 1 then
    full = full:gsub('/$', '')
  end
  return full
end

-- The nearest folder at or above `file`'s own that holds one of `markers`, as
-- a file or a folder (`.git` is a file in a git worktree); the file's folder
-- when none does (never the working directory, which may be $HOME: the
-- server would index all of it).
local function root_of(file, markers)
  local dir = vim.fn.fnamemodify(file, ':p:h')
  -- findfile()/finddir() take a 'path'-style list: escape its separators.
  local upward = vim.fn.escape(dir, ' ,\\') .. ';'
  local best
  for _, marker in ipairs(markers) do
    for _, found in ipairs({ vim.fn.findfile(marker, upward), vim.fn.finddir(marker, upward) }) do
      if found ~= '' then
        local root = vim.fn.fnamemodify(absolute(found), ':h')
        if not best or #root > #best then
          best = root
        end
      end
    end
  end
  return best or dir
end

local function running(id)
  local client = id and vim.lsp.get_client_by_id(id)
  return client and not client:is_stopped()
end

function M.setup(opts)
  local config = vim.tbl_extend('force', M.defaults, opts or {})
  local function attach(bufnr)
    local file = vim.api.nvim_buf_get_name(bufnr)
    if file == '' or vim.bo[bufnr].buftype ~= '' then
      return -- no file: a scratch buffer, a terminal, help...
    end
    local root = root_of(file, config.root_markers)
    if not running(clients[root]) then
      local client_config = vim.tbl_extend('force', config, {
        root_dir = root,
        init_options = config.init_options or config.settings,
      })
      client_config.filetypes, client_config.root_markers = nil, nil
      clients[root] = vim.lsp.start_client(client_config)
      if not clients[root] then
        return -- start_client has reported why
      end
    end
    vim.lsp.buf_attach_client(bufnr, clients[root])
  end

  local group = vim.api.nvim_create_augroup('reflex_django_lsp', { clear = true })
  vim.api.nvim_create_autocmd('FileType', {
    group = group,
    pattern = config.filetypes,
    callback = function(args)
      attach(args.buf)
    end,
  })
  -- Buffers opened before setup() ran.
  for _, bufnr in ipairs(vim.api.nvim_list_bufs()) do
    if vim.api.nvim_buf_is_loaded(bufnr) and vim.tbl_contains(config.filetypes, vim.bo[bufnr].filetype) then
      attach(bufnr)
    end
  end
end

return M
