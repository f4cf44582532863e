"""Identity registries used by Mexican agencies: the CURP (Clave Única de Registro de Población)."""
