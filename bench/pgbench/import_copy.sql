-- Import (e) through COPY into the extension's landing table.
COPY inventory.source_item_import (source_code, sku, status, quantity) FROM '@FILE@' WITH (FORMAT csv, HEADER);
