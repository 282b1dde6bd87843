#pragma once

// DataFrames and SQL over datasets and streams (link ember::sql).
#include "ember/sql/column.hpp"
#include "ember/sql/dataframe.hpp"
#include "ember/sql/encoders.hpp"
#include "ember/sql/errors.hpp"
#include "ember/sql/row.hpp"
#include "ember/sql/spark_session.hpp"
#include "ember/sql/stream_view.hpp"
#include "ember/sql/types.hpp"
