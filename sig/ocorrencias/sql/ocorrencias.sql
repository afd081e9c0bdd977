-- Occurrences reported by residents ("Linha Verde"): tables, row-level security, guard
-- triggers, row versions, audit and the public projections.
--
-- Who may do what:
--   anyone (through sig_app)  creates an occurrence only through acl.ocorrencia_criar(), which
--                             routes it to the municipality containing the point;
--   staff (sig_app acting, or an editor_<DICO> login)  see and change only the occurrences of
--                             the municipalities they edit (RLS on every table), only the
--                             triage columns (t05 trigger), one allowed state step at a time;
--   sig_reader, sig_app       read the public projections (views with public columns only);
--   nobody but the owner      deletes (retention purge of personal data: `sig ocorrencias purge`).
-- Personal data (contacts, photos) live in tables of their own, never audited (the audit log
-- is append-only and personal data must be erasable) and never in a public projection.
-- Every relation and shadowable type is schema-qualified; definer functions pin
-- search_path = pg_catalog, public, pg_temp.

CREATE TABLE IF NOT EXISTS public.ocorrencia (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  codigo text NOT NULL UNIQUE CHECK (codigo ~ '^LV-[0-9A-Z]{4}-[0-9A-Z]{4}$'),
  token text NOT NULL UNIQUE,
  categoria text NOT NULL CHECK (categoria ~ '^[a-z][a-z0-9_]{1,39}$'),
  municipio char(4) NOT NULL REFERENCES public.municipio (dico),
  freguesia char(6) REFERENCES public.freguesia (dicofre),
  geom public.geometry(Point, 3763) NOT NULL,
  descricao text NOT NULL CHECK (pg_catalog.length(descricao) BETWEEN 1 AND 2000),
  morada text CHECK (pg_catalog.length(morada) <= 200),
  estado text NOT NULL DEFAULT 'nova'
    CHECK (estado IN ('nova', 'em_analise', 'em_resolucao', 'resolvida', 'rejeitada', 'duplicada')),
  servico text CHECK (pg_catalog.length(servico) <= 200),
  prazo timestamptz,
  atribuida_a text CHECK (pg_catalog.length(atribuida_a) <= 150),
  duplicada_de bigint REFERENCES public.ocorrencia (id),
  elemento_tema text,
  elemento_id bigint,
  elemento_distancia_m double precision,
  atributos jsonb NOT NULL DEFAULT '{}'::jsonb,
  origem text NOT NULL DEFAULT 'web' CHECK (pg_catalog.length(origem) <= 80),
  fechada_em timestamptz,
  dados_pessoais_apagados_em timestamptz,
  row_version integer NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  created_by text,
  updated_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
  updated_by text,
  CONSTRAINT ocorrencia_duplicada CHECK ((estado = 'duplicada') = (duplicada_de IS NOT NULL)),
  CONSTRAINT ocorrencia_nao_de_si CHECK (duplicada_de <> id)
);
CREATE INDEX IF NOT EXISTS ocorrencia_municipio_idx ON public.ocorrencia (municipio, estado);
CREATE INDEX IF NOT EXISTS ocorrencia_geom_idx ON public.ocorrencia USING gist (geom);
CREATE INDEX IF NOT EXISTS ocorrencia_fechada_idx ON public.ocorrencia (fechada_em);

-- Public replies, internal notes and state changes, in order. Append-only.
CREATE TABLE IF NOT EXISTS public.ocorrencia_evento (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ocorrencia bigint NOT NULL REFERENCES public.ocorrencia (id),
  municipio char(4) NOT NULL,
  tipo text NOT NULL CHECK (tipo IN ('estado', 'resposta', 'nota')),
  publico boolean NOT NULL,
  estado text NOT NULL,
  texto text CHECK (pg_catalog.length(texto) <= 4000),
  autor text NOT NULL,
  em timestamptz NOT NULL DEFAULT pg_catalog.clock_timestamp(),
  CONSTRAINT ocorrencia_evento_publico CHECK (publico = (tipo <> 'nota'))
);
CREATE INDEX IF NOT EXISTS ocorrencia_evento_idx ON public.ocorrencia_evento (ocorrencia, id);

-- Personal data of the reporter (RGPD): erased after the retention period.
CREATE TABLE IF NOT EXISTS public.ocorrencia_contacto (
  ocorrencia bigint PRIMARY KEY REFERENCES public.ocorrencia (id),
  municipio char(4) NOT NULL,
  nome text CHECK (pg_catalog.length(nome) <= 150),
  email text CHECK (pg_catalog.length(email) <= 254),
  telefone text CHECK (pg_catalog.length(telefone) <= 30),
  idioma text NOT NULL DEFAULT 'pt' CHECK (idioma IN ('pt', 'en')),
  criado_em timestamptz NOT NULL DEFAULT pg_catalog.now()
);

-- Photos (re-encoded, without metadata) and their own metadata: personal data too.
CREATE TABLE IF NOT EXISTS public.ocorrencia_foto (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  ocorrencia bigint NOT NULL REFERENCES public.ocorrencia (id),
  municipio char(4) NOT NULL,
  conteudo bytea NOT NULL CHECK (pg_catalog.length(conteudo) <= 4194304),
  tipo text NOT NULL CHECK (tipo IN ('image/jpeg')),
  largura integer NOT NULL,
  altura integer NOT NULL,
  criada_em timestamptz NOT NULL DEFAULT pg_catalog.now()
);
CREATE INDEX IF NOT EXISTS ocorrencia_foto_idx ON public.ocorrencia_foto (ocorrencia);

-- Open311 client applications: one API key each (only its SHA-256 is kept).
CREATE TABLE IF NOT EXISTS public.open311_chave (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  nome text NOT NULL UNIQUE CHECK (nome ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$'),
  prefixo text NOT NULL,
  chave_hash text NOT NULL UNIQUE,
  criada_em timestamptz NOT NULL DEFAULT pg_catalog.now(),
  revogada_em timestamptz
);

-- --- rights ----------------------------------------------------------------------------------

REVOKE ALL ON public.ocorrencia, public.ocorrencia_evento, public.ocorrencia_contacto,
  public.ocorrencia_foto, public.open311_chave
  FROM PUBLIC, sig_app, sig_importer, sig_reader, sig_editor;
GRANT SELECT ON public.ocorrencia, public.ocorrencia_evento, public.ocorrencia_contacto,
  public.ocorrencia_foto TO sig_app, sig_editor;
GRANT UPDATE (estado, atribuida_a, duplicada_de, categoria, servico, prazo, row_version)
  ON public.ocorrencia TO sig_app, sig_editor;
GRANT INSERT (ocorrencia, tipo, publico, texto) ON public.ocorrencia_evento TO sig_app, sig_editor;
GRANT SELECT, INSERT, UPDATE (prefixo, chave_hash, criada_em, revogada_em)
  ON public.open311_chave TO sig_app;
-- acl.ocorrencia_criar (owned by sig_rules) and the triggers it sets off.
GRANT SELECT ON public.municipio, public.freguesia TO sig_rules;
GRANT SELECT, INSERT ON public.ocorrencia, public.ocorrencia_evento, public.ocorrencia_contacto,
  public.ocorrencia_foto TO sig_rules;
GRANT SELECT ON public.ocorrencia, public.ocorrencia_evento TO sig_audit;

ALTER TABLE public.ocorrencia ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.ocorrencia FORCE ROW LEVEL SECURITY;
ALTER TABLE public.ocorrencia_evento ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.ocorrencia_evento FORCE ROW LEVEL SECURITY;
ALTER TABLE public.ocorrencia_contacto ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.ocorrencia_contacto FORCE ROW LEVEL SECURITY;
ALTER TABLE public.ocorrencia_foto ENABLE ROW LEVEL SECURITY;
ALTER TABLE public.ocorrencia_foto FORCE ROW LEVEL SECURITY;

DROP POLICY IF EXISTS ocorrencia_select ON public.ocorrencia;
CREATE POLICY ocorrencia_select ON public.ocorrencia FOR SELECT
  USING (municipio = ANY ((SELECT acl.editable_municipios())::char(4)[]));
DROP POLICY IF EXISTS ocorrencia_update ON public.ocorrencia;
CREATE POLICY ocorrencia_update ON public.ocorrencia FOR UPDATE
  USING (municipio = ANY ((SELECT acl.editable_municipios())::char(4)[]))
  WITH CHECK (municipio = ANY ((SELECT acl.editable_municipios())::char(4)[]));
DROP POLICY IF EXISTS ocorrencia_evento_select ON public.ocorrencia_evento;
CREATE POLICY ocorrencia_evento_select ON public.ocorrencia_evento FOR SELECT
  USING (municipio = ANY ((SELECT acl.editable_municipios())::char(4)[]));
DROP POLICY IF EXISTS ocorrencia_evento_insert ON public.ocorrencia_evento;
CREATE POLICY ocorrencia_evento_insert ON public.ocorrencia_evento FOR INSERT
  WITH CHECK (municipio = ANY ((SELECT acl.editable_municipios())::char(4)[]));
DROP POLICY IF EXISTS ocorrencia_contacto_select ON public.ocorrencia_contacto;
CREATE POLICY ocorrencia_contacto_select ON public.ocorrencia_contacto FOR SELECT
  USING (municipio = ANY ((SELECT acl.editable_municipios())::char(4)[]));
DROP POLICY IF EXISTS ocorrencia_foto_select ON public.ocorrencia_foto;
CREATE POLICY ocorrencia_foto_select ON public.ocorrencia_foto FOR SELECT
  USING (municipio = ANY ((SELECT acl.editable_municipios())::char(4)[]));

-- --- triggers --------------------------------------------------------------------------------

-- The served municipality whose boundary contains a point (its grown boundary near a
-- simplified border), or SO422. Used by the route trigger and by the application (to name the
-- responsible service before creating).
CREATE OR REPLACE FUNCTION acl.ocorrencia_municipio(g public.geometry) RETURNS char(4)
LANGUAGE plpgsql STABLE AS $$
DECLARE
  dico char(4);
BEGIN
  SELECT m.dico INTO dico FROM public.municipio m
   WHERE ST_Covers(m.geom_limite, g)
   ORDER BY ST_Covers(m.geom, g) DESC, ST_Distance(m.geom, g), m.dico
   LIMIT 1;
  IF dico IS NULL THEN
    RAISE EXCEPTION USING ERRCODE = 'SO422',
      MESSAGE = 'o local indicado fica fora dos municípios servidos pela Linha Verde';
  END IF;
  RETURN dico;
END
$$;

-- t03_route (BEFORE INSERT): the municipality containing the point, and its nearest freguesia.
CREATE OR REPLACE FUNCTION acl.ocorrencia_encaminhar() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.municipio := acl.ocorrencia_municipio(NEW.geom);
  NEW.freguesia := (SELECT f.dicofre FROM public.freguesia f WHERE f.municipio = NEW.municipio
                     ORDER BY ST_Distance(f.geom, NEW.geom), f.dicofre LIMIT 1);
  RETURN NEW;
END
$$;

-- t05_guard_update (BEFORE UPDATE): only the triage columns change; a state moves one allowed
-- step; a duplicate points at a visible, open, non-duplicate occurrence. Closing stamps
-- fechada_em. QGIS ignores column grants, so this trigger is the rule for every path.
CREATE OR REPLACE FUNCTION acl.ocorrencia_proximo_estado(de pg_catalog.text)
RETURNS pg_catalog.text[]
LANGUAGE sql IMMUTABLE AS $$
  SELECT CASE de
    WHEN 'nova' THEN '{em_analise,rejeitada,duplicada}'::pg_catalog.text[]
    WHEN 'em_analise' THEN '{em_resolucao,resolvida,rejeitada,duplicada}'::pg_catalog.text[]
    WHEN 'em_resolucao' THEN '{resolvida,em_analise,rejeitada,duplicada}'::pg_catalog.text[]
    ELSE '{em_analise}'::pg_catalog.text[] END
$$;

CREATE OR REPLACE FUNCTION acl.ocorrencia_guardar() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  alvo record;
BEGIN
  IF (NEW.codigo, NEW.token, NEW.geom, NEW.municipio, NEW.freguesia, NEW.descricao, NEW.morada,
      NEW.origem, NEW.elemento_tema, NEW.elemento_id, NEW.atributos, NEW.created_at,
      NEW.created_by)
     IS DISTINCT FROM
     (OLD.codigo, OLD.token, OLD.geom, OLD.municipio, OLD.freguesia, OLD.descricao, OLD.morada,
      OLD.origem, OLD.elemento_tema, OLD.elemento_id, OLD.atributos, OLD.created_at,
      OLD.created_by)
     AND NOT acl.is_unrestricted() THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = pg_catalog.format('a ocorrência %s só pode mudar de estado, atribuição, '
                                  'categoria, serviço e prazo', OLD.codigo);
  END IF;
  IF NEW.estado IS DISTINCT FROM OLD.estado THEN
    IF NOT (NEW.estado = ANY (acl.ocorrencia_proximo_estado(OLD.estado))) THEN
      RAISE EXCEPTION USING ERRCODE = 'SO409',
        MESSAGE = pg_catalog.format('a ocorrência %s não pode passar de %s a %s',
                                    OLD.codigo, OLD.estado, NEW.estado);
    END IF;
    NEW.fechada_em := CASE WHEN NEW.estado IN ('resolvida', 'rejeitada', 'duplicada')
                           THEN pg_catalog.now() END;
  ELSE
    NEW.fechada_em := OLD.fechada_em;
  END IF;
  IF NEW.estado <> 'duplicada' THEN
    NEW.duplicada_de := NULL;
  ELSIF NEW.duplicada_de IS DISTINCT FROM OLD.duplicada_de THEN
    SELECT o.codigo, o.estado INTO alvo FROM public.ocorrencia o WHERE o.id = NEW.duplicada_de;
    IF NOT FOUND OR alvo.estado = 'duplicada' OR NEW.duplicada_de = NEW.id THEN
      RAISE EXCEPTION USING ERRCODE = 'SO409',
        MESSAGE = pg_catalog.format('a ocorrência %s só pode ser duplicada de outra ocorrência '
                                    'do mesmo município que não seja ela própria duplicada',
                                    OLD.codigo);
    END IF;
  END IF;
  NEW.dados_pessoais_apagados_em := CASE WHEN acl.is_unrestricted()
    THEN NEW.dados_pessoais_apagados_em ELSE OLD.dados_pessoais_apagados_em END;
  RETURN NEW;
END
$$;

-- t80_event (AFTER INSERT or a state change): the public history gets the new state.
CREATE OR REPLACE FUNCTION acl.ocorrencia_registar_estado() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' OR NEW.estado IS DISTINCT FROM OLD.estado THEN
    INSERT INTO public.ocorrencia_evento (ocorrencia, tipo, publico, texto)
    VALUES (NEW.id, 'estado', true, NULL);
  END IF;
  RETURN NULL;
END
$$;

-- t05_event (BEFORE INSERT on the history): municipality, state, author and time come from
-- the database; a state entry only from the trigger above.
CREATE OR REPLACE FUNCTION acl.ocorrencia_evento_preencher() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  o record;
BEGIN
  IF NEW.tipo = 'estado' AND pg_catalog.pg_trigger_depth() < 2 THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = 'as mudanças de estado registam-se sozinhas: altere o estado da ocorrência';
  END IF;
  SELECT x.municipio, x.estado INTO o FROM public.ocorrencia x WHERE x.id = NEW.ocorrencia;
  IF NOT FOUND THEN
    RAISE EXCEPTION USING ERRCODE = '42501',
      MESSAGE = pg_catalog.format('a ocorrência %s não existe ou é de um município que não '
                                  'pode tratar', NEW.ocorrencia);
  END IF;
  NEW.municipio := o.municipio;
  NEW.estado := o.estado;
  NEW.publico := NEW.tipo <> 'nota';
  NEW.autor := acl.actor();
  NEW.em := pg_catalog.clock_timestamp();
  RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION acl.ocorrencia_so_acrescenta() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION USING ERRCODE = '42501',
    MESSAGE = pg_catalog.format('%s não aceita esta operação (%s)', TG_TABLE_NAME, TG_OP);
END
$$;

DROP TRIGGER IF EXISTS t03_route ON public.ocorrencia;
CREATE TRIGGER t03_route BEFORE INSERT ON public.ocorrencia
  FOR EACH ROW EXECUTE FUNCTION acl.ocorrencia_encaminhar();
DROP TRIGGER IF EXISTS t05_guard_update ON public.ocorrencia;
CREATE TRIGGER t05_guard_update BEFORE UPDATE ON public.ocorrencia
  FOR EACH ROW EXECUTE FUNCTION acl.ocorrencia_guardar();
DROP TRIGGER IF EXISTS t80_event ON public.ocorrencia;
CREATE TRIGGER t80_event AFTER INSERT OR UPDATE OF estado ON public.ocorrencia
  FOR EACH ROW EXECUTE FUNCTION acl.ocorrencia_registar_estado();
-- t20_version_* and t90_audit_*: the themes' own (sig.core.security.VERSION_AND_AUDIT),
-- created by the migration after this file.
DROP TRIGGER IF EXISTS t00_no_truncate ON public.ocorrencia;
CREATE TRIGGER t00_no_truncate BEFORE TRUNCATE ON public.ocorrencia
  FOR EACH STATEMENT EXECUTE FUNCTION acl.ocorrencia_so_acrescenta();

DROP TRIGGER IF EXISTS t05_event ON public.ocorrencia_evento;
CREATE TRIGGER t05_event BEFORE INSERT ON public.ocorrencia_evento
  FOR EACH ROW EXECUTE FUNCTION acl.ocorrencia_evento_preencher();
DROP TRIGGER IF EXISTS t00_append_only ON public.ocorrencia_evento;
CREATE TRIGGER t00_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON public.ocorrencia_evento
  FOR EACH STATEMENT EXECUTE FUNCTION acl.ocorrencia_so_acrescenta();

-- --- the audit log of the history (rows without geometry) ------------------------------------

SET ROLE sig_audit;
CREATE OR REPLACE FUNCTION audit.log_plain_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
BEGIN
  INSERT INTO audit.change_log (table_name, row_id, municipio, op, db_user, db_role, app_user,
                                application_name, client_addr, new_values)
  SELECT TG_TABLE_NAME, r.id, r.municipio, 'I', session_user, current_setting('role'),
         CASE WHEN acl.states_actor()
              THEN nullif(current_setting('sig.app_user', true), '') END,
         current_setting('application_name', true), inet_client_addr(), to_jsonb(r)
    FROM new_rows r;
  RETURN NULL;
END
$$;
RESET ROLE;

DROP TRIGGER IF EXISTS t90_audit_insert ON public.ocorrencia_evento;
CREATE TRIGGER t90_audit_insert AFTER INSERT ON public.ocorrencia_evento
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION audit.log_plain_rows();

-- --- creating an occurrence: the one way in for anonymous reporters -----------------------------

CREATE OR REPLACE FUNCTION acl.ocorrencia_novo_codigo() RETURNS pg_catalog.text
LANGUAGE sql VOLATILE AS $$
  SELECT 'LV-' || pg_catalog.substr(s, 1, 4) || '-' || pg_catalog.substr(s, 5, 4)
    FROM (SELECT pg_catalog.string_agg(pg_catalog.substr('0123456789ABCDEFGHJKMNPQRSTVWXYZ',
                   pg_catalog.get_byte(b, i) % 32 + 1, 1), '' ORDER BY i) AS s
            FROM (SELECT pg_catalog.uuid_send(pg_catalog.gen_random_uuid()) AS b) r,
                 pg_catalog.generate_series(0, 7) AS i) c
$$;

SET ROLE sig_rules;
CREATE OR REPLACE FUNCTION acl.ocorrencia_criar(
  p_categoria pg_catalog.text, p_lon double precision, p_lat double precision,
  p_descricao pg_catalog.text, p_morada pg_catalog.text, p_servico pg_catalog.text,
  p_prazo_horas integer, p_elemento_tema pg_catalog.text, p_elemento_id bigint,
  p_elemento_distancia_m double precision, p_atributos jsonb, p_origem pg_catalog.text,
  p_contacto jsonb, p_fotos bytea[], p_medidas integer[])
RETURNS TABLE (ocorrencia_id bigint, ocorrencia_codigo pg_catalog.text,
               ocorrencia_token pg_catalog.text)
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, public, pg_temp AS $$
DECLARE
  novo bigint;
  dico char(4);
  codigo pg_catalog.text := acl.ocorrencia_novo_codigo();
  token pg_catalog.text := pg_catalog.encode(pg_catalog.uuid_send(pg_catalog.gen_random_uuid()), 'hex');
BEGIN
  IF p_lon IS NULL OR p_lat IS NULL OR NOT (p_lon BETWEEN -180 AND 180)
     OR NOT (p_lat BETWEEN -90 AND 90) THEN
    RAISE EXCEPTION USING ERRCODE = 'SO400',
      MESSAGE = 'coordenadas inválidas: longitude entre -180 e 180, latitude entre -90 e 90';
  END IF;
  IF coalesce(pg_catalog.cardinality(p_fotos), 0) > 3
     OR coalesce(pg_catalog.cardinality(p_medidas), 0)
        <> 2 * coalesce(pg_catalog.cardinality(p_fotos), 0) THEN
    RAISE EXCEPTION USING ERRCODE = 'SO400', MESSAGE = 'no máximo 3 fotografias, com as medidas';
  END IF;
  INSERT INTO public.ocorrencia AS o (codigo, token, categoria, geom, descricao, morada, servico,
      prazo, elemento_tema, elemento_id, elemento_distancia_m, atributos, origem)
  VALUES (codigo, token, p_categoria,
          ST_Transform(ST_SetSRID(ST_MakePoint(p_lon, p_lat), 4326), 3763)::public.geometry(Point, 3763),
          p_descricao, nullif(p_morada, ''), p_servico,
          pg_catalog.now() + pg_catalog.make_interval(hours => p_prazo_horas),
          p_elemento_tema, p_elemento_id, p_elemento_distancia_m,
          coalesce(p_atributos, '{}'::jsonb), coalesce(p_origem, 'web'))
  RETURNING o.id, o.municipio INTO novo, dico;
  IF coalesce(p_contacto ->> 'nome', p_contacto ->> 'email', p_contacto ->> 'telefone')
     IS NOT NULL THEN
    INSERT INTO public.ocorrencia_contacto (ocorrencia, municipio, nome, email, telefone, idioma)
    VALUES (novo, dico, p_contacto ->> 'nome', p_contacto ->> 'email', p_contacto ->> 'telefone',
            coalesce(p_contacto ->> 'idioma', 'pt'));
  END IF;
  FOR i IN 1 .. coalesce(pg_catalog.cardinality(p_fotos), 0) LOOP
    INSERT INTO public.ocorrencia_foto (ocorrencia, municipio, conteudo, tipo, largura, altura)
    VALUES (novo, dico, p_fotos[i], 'image/jpeg', p_medidas[2 * i - 1], p_medidas[2 * i]);
  END LOOP;
  RETURN QUERY SELECT novo, codigo, token;
END
$$;
REVOKE ALL ON FUNCTION acl.ocorrencia_criar(pg_catalog.text, double precision, double precision,
  pg_catalog.text, pg_catalog.text, pg_catalog.text, integer, pg_catalog.text, bigint,
  double precision, jsonb, pg_catalog.text, jsonb, bytea[], integer[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION acl.ocorrencia_criar(pg_catalog.text, double precision,
  double precision, pg_catalog.text, pg_catalog.text, pg_catalog.text, integer, pg_catalog.text,
  bigint, double precision, jsonb, pg_catalog.text, jsonb, bytea[], integer[]) TO sig_app;
RESET ROLE;

-- --- public projections (no personal data, no internal notes, no assignee) ---------------------
-- Owned by the owner on purpose: they show every municipality's occurrences, with the public
-- columns only, to the public readers.

CREATE OR REPLACE VIEW public.ocorrencia_publica WITH (security_barrier = true) AS
SELECT o.id, o.codigo, o.token, o.categoria, o.municipio, o.freguesia, o.geom, o.descricao,
       o.morada, o.estado, o.servico, o.atributos, d.codigo AS duplicada_de, o.prazo,
       o.created_at AS criada_em, o.updated_at AS atualizada_em, o.fechada_em,
       (SELECT e.texto FROM public.ocorrencia_evento e
         WHERE e.ocorrencia = o.id AND e.tipo = 'resposta' ORDER BY e.id DESC LIMIT 1) AS resposta,
       coalesce(o.fechada_em, pg_catalog.now()) > o.prazo AS atrasada
  FROM public.ocorrencia o LEFT JOIN public.ocorrencia d ON d.id = o.duplicada_de;

CREATE OR REPLACE VIEW public.ocorrencia_historico_publico WITH (security_barrier = true) AS
SELECT e.id, e.ocorrencia, e.tipo, e.estado, e.texto, e.em
  FROM public.ocorrencia_evento e WHERE e.publico;

REVOKE ALL ON public.ocorrencia_publica, public.ocorrencia_historico_publico
  FROM PUBLIC, sig_app, sig_importer, sig_reader, sig_editor;
GRANT SELECT ON public.ocorrencia_publica, public.ocorrencia_historico_publico
  TO sig_app, sig_reader, sig_editor;
