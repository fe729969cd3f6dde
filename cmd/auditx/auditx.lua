local type, pairs, next, floor = type, pairs, next, math.floor
local byte, find, sub, gsub, lower, upper, format, rep = string.byte, string.find, string.sub, string.gsub, string.lower, string.upper, string.format, string.rep
local concat = table.concat


-- Key normalisation, memoised: records of one source repeat their keys.
local norm_cache, norm_count = {}, 0
local function norm_key(k)
  local n = norm_cache[k]
  if n == nil then
    n = lower((gsub(k, "[ _%-]", "")))
    if norm_count >= 4096 then
      norm_cache, norm_count = {}, 0
    end
    norm_cache[k] = n
    norm_count = norm_count + 1
  end
  return n
end

-- trim drops spaces and tabs at both ends (auditx's catalog.TrimBlanks); most values
-- have none, so the patterns run only when an end is one.
local function trim(s)
  local a, z = byte(s, 1), byte(s, -1)
  if a ~= 32 and a ~= 9 and z ~= 32 and z ~= 9 then
    return s
  end
  return (gsub(gsub(s, "^[ \t]+", ""), "[ \t]+$", ""))
end

-- digits parses 1 to 18 decimal digits.
local function digits(s)
  local n = #s
  if n == 0 or n > 18 or find(s, "[^0-9]") then
    return nil
  end
  return tonumber(s)
end

local function is_int(v)
  return v == floor(v) and v >= -1e15 and v <= 1e15
end

-- An empty table is taken as an array for tags, as a map for event/observer.
local function is_array(t)
  return t[1] ~= nil or next(t) == nil
end
local function is_map(t)
  return t[1] == nil
end

-- Syslog severity number to event.severity (SYSLOG_SCORE).
local function syslog_score(n)
  if n == nil then
    return nil
  end
  return SYSLOG_SCORE[n]
end

-- A severity on the syslog scale: 6, "6", "Info(6)", "WARNING"
-- (severityValue).
local function syslog_severity(v)
  local tv = type(v)
  if tv == "number" then
    if v == floor(v) then
      return syslog_score(v)
    end
    return nil
  elseif tv ~= "string" then
    return nil
  end
  local s = trim(v)
  local open = find(s, "(", 1, true)
  if open and #s > open and sub(s, -1) == ")" then
    local n = digits(sub(s, open + 1, -2))
    if n then
      return syslog_score(n)
    end
    s = sub(s, 1, open - 1)
  end
  local n = digits(s)
  if n then
    return syslog_score(n)
  end
  local lvl = SYSLOG_NAMES[lower(s)]
  if lvl then
    return syslog_score(lvl)
  end
  return nil
end

-- The severity scales a descriptor may name.
local SCALES = { syslog = syslog_severity }

-- An outcome value as a number: an integer or a string of digits
-- (intValue).
local function int_of(v)
  local tv = type(v)
  if tv == "number" then
    if v == floor(v) then
      return v
    end
  elseif tv == "string" then
    return digits(trim(v))
  end
  return nil
end

-- The value under the first key of map t that normalises to want.
local function child(t, want)
  if type(t) ~= "table" then
    return nil
  end
  for k, v in pairs(t) do
    if type(k) == "string" and norm_key(k) == want then
      return v
    end
  end
  return nil
end

-- The value at a key path: its first key among the record's watched
-- top-level keys (s), the others through nested maps (resolve).
local function resolve(s, path)
  local v = s[path[1]]
  for i = 2, #path do
    if v == nil then
      return nil
    end
    v = child(v, path[i])
  end
  return v
end

-- The value at the first path present (resolveFirst).
local function resolve_first(s, paths)
  for i = 1, #paths do
    local v = resolve(s, paths[i])
    if v ~= nil then
      return v
    end
  end
  return nil
end

-- Ready each vendor's code spec for normalize: the characters a code of an
-- upper or lower form may hold (letters, digits, '_', ' ' and '-', and the
-- separator of a joined code, else '.'), and the separator as a pattern.
for _, v in pairs(VENDORS) do
  local c = v.code
  c.bad = "[^A-Za-z0-9_ %-%" .. (c.sep or ".") .. "]"
  if c.sep then
    c.sep_pattern = "%" .. c.sep
  end
end

-- The canonical form of a code (catalog/normalize.go normalize), or nil
-- when s cannot be a code of the spec c.
local function normalize(c, s)
  s = trim(s)
  if s == "" or #s > MAX_CODE_LEN then
    return nil
  end
  local form = c.form
  if form == "integer" then
    if find(s, "[^0-9]") then
      return nil
    end
    if byte(s, 1) == 48 then -- leading zeros: keep one digit
      s = gsub(s, "^0+", "")
      if s == "" then
        s = "0"
      end
    end
    if #s < c.pad then
      s = rep("0", c.pad - #s) .. s
    end
    return s
  elseif form == "upper" or form == "lower" then
    if find(s, c.bad) then
      return nil
    end
    if c.sep_pattern then
      local _, seps = gsub(s, c.sep_pattern, "")
      if seps ~= #c.join - 1 then
        return nil
      end
    end
    if form == "upper" then
      s = upper(s)
    else
      s = lower(s)
    end
    return (gsub(s, "[ %-]", "_"))
  elseif form == "text" then
    if find(s, "%c") then
      return nil
    end
    return s
  end
  return nil
end

-- joined_code reads a code made of several fields joined by the vendor's
-- separator (joinCode): every part a string, none blank.
local function joined_code(c, s, cat)
  local parts = {}
  for i = 1, #c.join do
    local p = resolve(s, c.join[i])
    if type(p) ~= "string" or #p > MAX_CODE_LEN then
      return nil
    end
    p = trim(p)
    if p == "" then
      return nil
    end
    parts[i] = p
  end
  local joined = concat(parts, c.sep)
  local norm = normalize(c, joined)
  if norm then
    return norm, cat[norm]
  end
  return joined, nil
end

-- code_of returns the canonical code (or the trimmed input when it cannot
-- be one) and the catalog entry, or nil when the record passes untouched
-- (no code, or a value that cannot be a code).
local function code_of(vendor, s)
  local c = VENDORS[vendor].code
  local cat = CATALOG[vendor] or {}
  if c.join then
    return joined_code(c, s, cat)
  end
  local v = resolve_first(s, c.fields)
  local tv = type(v)
  if tv == "number" then
    if not is_int(v) or v < 0 then
      return nil
    end
    if v == 0 then
      v = "0" -- also -0.0
    else
      v = format("%.0f", v)
    end
    if c.form ~= "integer" then
      return v, nil -- a number is never a code of the other forms
    end
  elseif tv == "string" then
    v = trim(v)
    if v == "" or #v > MAX_CODE_LEN then
      return nil
    end
  else
    return nil
  end
  local norm = normalize(c, v)
  if norm then
    return norm, cat[norm]
  end
  return v, nil
end

-- The vendor by the record's keys (detect): the first rule whose keys are
-- all present.
local function detect(s)
  for i = 1, #RULES do
    local keys = RULES[i].keys
    local all = true
    for j = 1, #keys do
      if s[keys[j]] == nil then
        all = false
        break
      end
    end
    if all then
      return RULES[i].vendor
    end
  end
  return nil
end

-- matches reports whether an outcome value is one of list (matchValue): a
-- number (an integer or a string of digits) against the comparisons, a
-- string (trimmed, case-insensitive) against the words.
local function matches(v, list)
  if #list == 0 then
    return false
  end
  local n = int_of(v)
  local w
  if type(v) == "string" then
    w = lower(trim(v))
  end
  for i = 1, #list do
    local m = list[i]
    if m.word then
      if w == m.word then
        return true
      end
    elseif n then
      local op, k = m.op, m.n
      if (op == "=" and n == k) or (op == ">" and n > k) or (op == "<" and n < k)
        or (op == ">=" and n >= k) or (op == "<=" and n <= k) then
        return true
      end
    end
  end
  return false
end

-- from_record applies what the record itself says about its outcome and
-- severity (fromRecord): the outcome field against the failure, then the
-- success values; the severity field on its scale.
local function from_record(info, s, outcome, severity)
  local o = info.outcome
  if o then
    local v = resolve_first(s, o.fields)
    if v ~= nil then
      if matches(v, o.failure) then
        outcome = "failure"
      elseif matches(v, o.success) then
        outcome = "success"
      end
    end
  end
  local sv = info.severity
  if sv then
    local v = resolve_first(s, sv.fields)
    local scale = SCALES[sv.scale]
    if v ~= nil and scale then
      local sev = scale(v)
      if sev then
        severity = sev
      end
    end
  end
  return outcome, severity
end

-- has_dataset_marker: an event map whose dataset is a vendor's <id>.audit
-- (hasDatasetMarker).
local function has_dataset_marker(event)
  if type(event) ~= "table" then
    return false
  end
  local d = event.dataset
  return type(d) == "string" and DATASETS[d] == true
end

local function has_marker(tags)
  if type(tags) ~= "table" then
    return false
  end
  for i = 1, #tags do
    if tags[i] == MARKER_TAG then
      return true
    end
  end
  return false
end

local function copy_list(t)
  local out = {}
  for i = 1, #t do
    out[i] = t[i]
  end
  return out
end

-- merge adds the pairs of add to the record's map under key, keeping the
-- keys it has; a non-map value is kept as it is (auditx counts a conflict).
local function merge(record, key, add)
  local cur = record[key]
  if cur == nil then
    record[key] = add
  elseif type(cur) == "table" and is_map(cur) then
    for k, v in pairs(add) do
      if cur[k] == nil then
        cur[k] = v
      end
    end
  end
end

function auditx_enrich(tag, timestamp, record)
  if type(record) ~= "table" or has_marker(record.tags) or has_dataset_marker(record.event) then
    return 0, timestamp, record
  end
  -- One pass over the top-level keys (auditx's scan).
  local s = {}
  for k, v in pairs(record) do
    if type(k) == "string" then
      local n = norm_key(k)
      if WATCHED[n] and s[n] == nil then
        s[n] = v
      end
    end
  end
  local vendor = FIXED_VENDOR or detect(s)
  if vendor == nil then
    return 0, timestamp, record
  end
  local code, entry = code_of(vendor, s)
  if code == nil then
    return 0, timestamp, record
  end

  -- Outcome and severity: the catalog's default, unless the record says;
  -- an unknown code stays outcome unknown, whatever the record says.
  local info = VENDORS[vendor]
  local outcome, severity = "unknown", nil
  if entry then
    outcome, severity = entry[5], entry[6]
  end
  local o, sev = from_record(info, s, outcome, severity)
  if entry then
    outcome = o
  end
  severity = sev

  local event = { kind = "event", module = info.module, dataset = info.dataset, code = code, outcome = outcome }
  if entry then
    event.action, event.reason = entry[1], entry[2]
    event.category, event.type = copy_list(entry[3]), copy_list(entry[4])
  end
  if severity then
    event.severity = severity
  end
  merge(record, "event", event)
  merge(record, "observer", { vendor = info.company, product = info.product })
  local tags = record.tags
  if tags == nil then
    tags = {}
    record.tags = tags
  end
  if type(tags) == "table" and is_array(tags) then
    tags[#tags + 1] = MARKER_TAG
    if not entry then
      tags[#tags + 1] = UNKNOWN_CODE_TAG
    end
  end
  return 2, timestamp, record
end
